/**
 * Splitting pasted or collected text into records (one event, one log entry, one multi-line SDK error) and
 * un-escaping them, so the signatures see the same text whatever the wrapper: a pod event, a klog line with
 * `err="…\"…\""`, a JSON log, or `kubectl describe` output.
 */

export interface TextRecord {
  /** The record un-escaped (up to three levels), CRLF dropped, line breaks as single spaces. */
  text: string;
  /** Offset of the record in the original input. */
  start: number;
  end: number;
  /** 1-based line of the record's first character in the original input. */
  line: number;
  /** For each character of `text`, its offset in the original input. */
  offsets: number[];
}

/** Lines that start a new record: event rows, klog and logfmt lines, timestamps, JSON log lines. */
const RECORD_START = [
  /^\s*(?:Warning|Normal)\s+\S+\s+/, // kubectl describe: "  Warning  FailedMount  3m (x4 over 9m)  kubelet  …"
  /^\s*\S+\s+(?:Warning|Normal)\s+\S+\s+\S+/, // kubectl get events: "2m  Warning  FailedMount  pod/x  …"
  /^[EIWF]\d{4} \d{2}:\d{2}:\d{2}/, // klog
  /^time="/, // logrus
  /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/, // timestamps
  /^\s*\{"(?:level|ts|time|msg)"/, // JSON log lines
  /^\s*(?:Events|Conditions|Volumes|Containers|Init Containers|Name|Namespace|Status|Labels|Annotations|Node|Service Account):/, // describe sections
];

function isRecordStart(line: string): boolean {
  return RECORD_START.some((pattern) => pattern.test(line));
}

/** Text with, for each character, its offset in the original input (plus one entry for the end). */
interface Mapped {
  text: string;
  offsets: number[];
}

const SIMPLE_ESCAPES: Record<string, string> = { '"': '"', "'": "'", n: '\n', t: '\t', r: '', '\\': '\\' };

/** One level of escapes: `\"`, `\'`, `\n`, `\r`, `\t`, `\\`, `\uXXXX` (JSON in a klog `err="…"` in a JSON log …). */
function unescapeOnce(source: Mapped): Mapped {
  const { text: raw, offsets: from } = source;
  let text = '';
  const offsets: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const char = raw[i]!;
    const next = raw[i + 1];
    if (char === '\\' && next !== undefined) {
      const unicode = next === 'u' ? /^[0-9a-fA-F]{4}/.exec(raw.slice(i + 2, i + 6)) : null;
      const replacement = unicode ? String.fromCharCode(parseInt(unicode[0], 16)) : SIMPLE_ESCAPES[next];
      if (replacement !== undefined) {
        for (const c of replacement) {
          text += c;
          offsets.push(from[i]!);
        }
        i += unicode ? 5 : 1;
        continue;
      }
    }
    if (char === '\r') continue;
    text += char;
    offsets.push(from[i]!);
  }
  offsets.push(from[raw.length] ?? from[from.length - 1]!);
  return { text, offsets };
}

/** Line breaks a paste or a terminal put inside one record become one space, so patterns see one line. */
function flatten(source: Mapped): Mapped {
  let text = '';
  const offsets: number[] = [];
  const raw = source.text;
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === '\n') {
      while (text.endsWith(' ') || text.endsWith('\t')) {
        text = text.slice(0, -1);
        offsets.pop();
      }
      let j = i + 1;
      while (j < raw.length && (raw[j] === ' ' || raw[j] === '\t' || raw[j] === '\n')) j++;
      text += ' ';
      offsets.push(source.offsets[i]!);
      i = j - 1;
      continue;
    }
    text += raw[i];
    offsets.push(source.offsets[i]!);
  }
  offsets.push(source.offsets[raw.length]!);
  return { text, offsets };
}

/**
 * Normalise one record, keeping a map from output characters back to input offsets: escapes are undone up to three
 * levels deep (a JSON body inside an escaped klog value inside a JSON log line), and line breaks become spaces.
 */
export function normaliseRecord(raw: string, base: number): { text: string; offsets: number[] } {
  let mapped: Mapped = { text: raw, offsets: Array.from({ length: raw.length + 1 }, (_, index) => base + index) };
  // Most records have neither escapes nor line breaks: skip the passes they do not need.
  for (let level = 0; level < 3 && /[\\\r]/.test(mapped.text); level++) {
    const next = unescapeOnce(mapped);
    if (next.text === mapped.text) break;
    mapped = next;
  }
  return mapped.text.includes('\n') ? flatten(mapped) : mapped;
}

/** Records of a text: a blank line or a record-start line begins a new record; other lines continue the current one. */
export function splitRecords(input: string): TextRecord[] {
  const records: TextRecord[] = [];
  const lines = input.split('\n');
  let offset = 0;
  let current: { start: number; end: number; line: number } | undefined;
  const flush = () => {
    if (!current) return;
    const raw = input.slice(current.start, current.end);
    if (raw.trim() !== '') {
      const { text, offsets } = normaliseRecord(raw, current.start);
      records.push({ text, start: current.start, end: current.end, line: current.line, offsets });
    }
    current = undefined;
  };
  lines.forEach((line, index) => {
    const lineStart = offset;
    const lineEnd = offset + line.length;
    offset = lineEnd + 1;
    if (line.trim() === '') {
      flush();
      return;
    }
    if (!current || isRecordStart(line)) {
      flush();
      current = { start: lineStart, end: lineEnd, line: index + 1 };
    } else {
      current.end = lineEnd;
    }
  });
  flush();
  return records;
}

/**
 * Splitting pasted or collected text into records (one event, one log entry, one multi-line SDK error) and
 * un-escaping them, so the signatures see the same text whatever the wrapper: a pod event, a klog line with
 * `err="…\"…\""`, a JSON log, or `kubectl describe` output.
 */

export interface TextRecord {
  /** The record with `\"`, `\n`, `\r\n` and `\t` un-escaped and CRLF normalised. */
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

/** Un-escape one record, keeping a map from output characters back to input offsets. */
export function normaliseRecord(raw: string, base: number): { text: string; offsets: number[] } {
  let text = '';
  const offsets: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const char = raw[i]!;
    const next = raw[i + 1];
    if (char === '\\' && next !== undefined) {
      const replacement = next === '"' ? '"' : next === 'n' ? '\n' : next === 't' ? '\t' : next === 'r' ? '' : next === '\\' ? '\\' : undefined;
      if (replacement !== undefined) {
        for (const c of replacement) {
          text += c;
          offsets.push(base + i);
        }
        i++;
        continue;
      }
    }
    if (char === '\r') continue;
    text += char;
    offsets.push(base + i);
  }
  return { text, offsets };
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

/**
 * Splits `/kvcsi` text into words. Chat clients rewrite what people type: quotes become “smart”, `--` becomes an
 * em dash, spaces become non-breaking, `<` and `&` arrive as HTML entities and links as `<url|label>`. All of that
 * is undone here so the parser sees what the person meant.
 */

export type TokenizeResult = { ok: true; tokens: string[] } | { ok: false; message: string };

const QUOTE_REPLACEMENTS: Readonly<Record<string, string>> = {
  '\u201C': '"', '\u201D': '"', '\u201E': '"', '\u201F': '"', '\u00AB': '"', '\u00BB': '"', '\u2033': '"',
  '\u2018': "'", '\u2019': "'", '\u201A': "'", '\u201B': "'", '\u2032': "'",
};

/** Undo what Slack and autocorrect do to typed text; keeps the meaning, not the bytes. */
export function normalizeCommandText(text: string): string {
  return (
    text
      // Slack links and mentions: <https://x|label> → label, <https://x> → https://x, <#C1|general> → general.
      .replace(/<([^<>|]*)\|([^<>]*)>/g, '$2')
      .replace(/<([^<>|]+)>/g, '$1')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&')
      .replace(/[\u201C\u201D\u201E\u201F\u00AB\u00BB\u2033\u2018\u2019\u201A\u201B\u2032]/g, (quote) => QUOTE_REPLACEMENTS[quote] ?? quote)
      // An em or en dash typed where a flag starts: "—app" and "–app" were "--app" before autocorrect.
      .replace(/(^|\s)[\u2014\u2013\u2012\u2015]{1,2}(?=\S)/g, '$1--')
      .replace(/[\u00A0\u2000-\u200B\u202F\u205F\u3000\uFEFF]/g, ' ')
  );
}

/** Words split on whitespace; single or double quotes group words; a backslash escapes the next character. */
export function tokenizeCommand(text: string): TokenizeResult {
  const input = normalizeCommandText(text);
  const tokens: string[] = [];
  let current = '';
  let inToken = false;
  let quote: '"' | "'" | undefined;
  for (let index = 0; index < input.length; index++) {
    const char = input[index] as string;
    if (char === '\\' && index + 1 < input.length) {
      current += input[++index];
      inToken = true;
    } else if (quote !== undefined) {
      if (char === quote) quote = undefined;
      else current += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      inToken = true;
    } else if (/\s/.test(char)) {
      if (inToken) tokens.push(current);
      current = '';
      inToken = false;
    } else {
      current += char;
      inToken = true;
    }
  }
  if (quote !== undefined) return { ok: false, message: `A ${quote === '"' ? 'double' : 'single'} quote is not closed.` };
  if (inToken) tokens.push(current);
  return { ok: true, tokens };
}

/**
 * Shell quoting for the commands kvcsi prints. Names in a fix command come from SecretProviderClasses, events and
 * pasted text — anyone who can write an SPC controls them — so every interpolated value is quoted: a name such as
 * `x$(touch /tmp/p)` stays one argument when the command is pasted into a shell.
 */

/** Characters that never need quoting in POSIX sh (or bash, zsh). */
const SAFE = /^[A-Za-z0-9@%+=:,./_-]+$/;
/** Our own placeholders (`<namespace>`, `<resource-group>`): left as written, for the reader to replace. */
const PLACEHOLDER = /^<[a-z][a-z0-9-]*>$/;

/** One shell word: as is when it is plain, else single-quoted (a `'` becomes `'\''`). */
export function shellQuote(value: string): string {
  if (SAFE.test(value) || PLACEHOLDER.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Text the `sh` tag inserts unquoted: our own subshells (`$(az … --query id -o tsv)`) and fixed fragments. */
export class RawShell {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export function rawShell(text: string): RawShell {
  return new RawShell(text);
}

/** Tagged template: every interpolated value is one shell word (quoted when needed); RawShell values go in as written. */
export function sh(strings: TemplateStringsArray, ...values: ReadonlyArray<string | number | RawShell>): string {
  let out = strings[0] ?? '';
  values.forEach((value, index) => {
    out += value instanceof RawShell ? value.text : shellQuote(String(value));
    out += strings[index + 1] ?? '';
  });
  return out;
}

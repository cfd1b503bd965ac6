export async function main(argv: readonly string[]): Promise<number> {
  process.stdout.write(`kvcsi ${argv.join(' ')}\n`);
  return 0;
}

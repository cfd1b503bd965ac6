import { LogLevel } from '@slack/bolt';
import { REDACTED, SecretScrubber, createBotLogger, redactForLog } from './logger.js';

describe('redactForLog', () => {
  it('replaces view.state.values wherever it is nested, and secret-looking keys', () => {
    const payload = { body: { view: { id: 'V1', state: { values: { secret_value: { value: { value: 'hunter2-hunter2' } } } } } }, token: 'xoxb-1' };
    const out = JSON.stringify(redactForLog(payload));
    expect(out).not.toContain('hunter2');
    expect(out).not.toContain('xoxb-1');
    expect(out).toContain('"id":"V1"');
  });

  it('replaces a raw JSON string carrying view state', () => {
    expect(redactForLog('{"view":{"state":{"values":{"a":{"b":{"value":"hunter2"}}}}}}')).toContain(REDACTED);
  });

  it('cuts held values out of strings and errors until released', () => {
    const scrubber = new SecretScrubber();
    const release = scrubber.hold('s3cret-value');
    expect(JSON.stringify(redactForLog(new Error('could not write s3cret-value'), scrubber))).not.toContain('s3cret-value');
    release();
    expect(scrubber.scrub('s3cret-value')).toBe('s3cret-value');
  });
});

describe('createBotLogger', () => {
  it('writes JSON lines, redacted, at the set level', () => {
    const lines: string[] = [];
    const scrubber = new SecretScrubber();
    const logger = createBotLogger({ level: LogLevel.INFO, scrubber, destination: { write: (line: string) => void lines.push(line) } });
    const release = scrubber.hold('canary-abcdef');
    logger.debug('not written');
    logger.info({ view: { state: { values: { x: { value: { value: 'canary-abcdef' } } } } } }, 'submission');
    logger.error('failed with canary-abcdef');
    release();
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(() => JSON.parse(line) as unknown).not.toThrow();
      expect(line).not.toContain('canary-abcdef');
    }
    expect(JSON.parse(lines[1]!)).toMatchObject({ level: 50, msg: `failed with ${REDACTED}` });
  });
});

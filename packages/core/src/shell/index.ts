export { shellQuote, sh, rawShell, RawShell } from './quote.js';

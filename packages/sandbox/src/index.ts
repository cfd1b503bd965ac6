export const SANDBOX_VERSION = '0.1.0';

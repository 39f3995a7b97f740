/** The package version, taken from package.json at build time. */
import pkg from '../../../package.json';

export const MLM_VERSION: string = (pkg as { version: string }).version;

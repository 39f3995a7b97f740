export * from './types';
export * from './csv';
export * from './columns';
export * from './rsort';
export * from './decode';
export * from './route';
export * from './base64';

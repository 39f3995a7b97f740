export * from './types';
export * from './csv';
export * from './columns';
export * from './rsort';

export * from './types';
export * from './parse';
export * from './textmap';
export * from './keys';
export * from './spec';

export * from './instrument';

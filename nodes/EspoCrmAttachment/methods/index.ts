export * as listSearch from './listSearch';
export * as loadOptions from './loadOptions';
export { CREDENTIAL_TEST, credentialTest } from './credentialTest';

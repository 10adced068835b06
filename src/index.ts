export { KeeprError, ERROR_CODES, isKeeprError } from './errors.js';

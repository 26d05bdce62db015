/**
 * milvus.config.yaml: discovery, `${VAR}` interpolation, validation, and the precedence of CLI
 * flags, `MILVUS_*` variables, the chosen environment, the top level and defaults.
 */
export {
  CONFIG_FILE_NAMES,
  DEFAULT_ADDRESS,
  DEFAULT_BACKUP_DIR,
  DEFAULT_DATABASE,
  DEFAULT_EMBEDDED_DATA_DIR,
  DEFAULT_EMBEDDED_PORT,
  DEFAULT_MIGRATIONS_DIR,
  DEFAULT_STATE_COLLECTION,
} from './defaults.js';
export { findConfigFile, loadConfig, type LoadConfigOptions, type ResolvedConfig } from './load.js';
export { redact } from '../util/redact.js';
export { interpolateString, type Environ, type InterpolatedString } from './interpolate.js';
export { isValidMilvusName, MILVUS_NAME_MAX_LENGTH, MILVUS_NAME_PATTERN } from './names.js';
export { type ConfigLayer, type EmbeddedSettings, EMBEDDED_KEYS, LAYER_KEYS, ROOT_KEYS, SECRET_KEYS } from './schema.js';

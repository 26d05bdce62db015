/** Config file names looked for, in this order, in the working directory and its parents. */
export const CONFIG_FILE_NAMES = ['milvus.config.yaml', 'milvus.config.yml'];
/** Collection that records applied migrations, in the configured database. */
export const DEFAULT_STATE_COLLECTION = 'milvus_migrations';
/** Milvus address used when nothing else sets one. */
export const DEFAULT_ADDRESS = 'localhost:19530';
/** Milvus database used when nothing else sets one. */
export const DEFAULT_DATABASE = 'default';
/** Migrations folder, relative to the config file's directory. */
export const DEFAULT_MIGRATIONS_DIR = 'migrations';
/** Backup folder, relative to the config file's directory (or the migrations folder's parent). */
export const DEFAULT_BACKUP_DIR = '.milvus-migrate/backups';
/** Folder under an Embedded Milvus' storage folder (`<dataDir>/data`) where import files are written. */
export const EMBEDDED_IMPORT_SUBDIR = 'milvus-migrate-import';
/** Embedded Milvus data folder, relative to the config file's directory. */
export const DEFAULT_EMBEDDED_DATA_DIR = '.milvus';
/** Port Embedded Milvus listens on when `embedded.port` is not set (Milvus' own default). */
export const DEFAULT_EMBEDDED_PORT = 19530;

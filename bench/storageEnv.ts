// Imported right after the harness's env (before n8n-core reads its config): processes of one
// benchmark share one binary storage directory, so a file staged by one process is read by another.
if (process.env.BENCH_BINARY_DIR) process.env.N8N_BINARY_DATA_STORAGE_PATH = process.env.BENCH_BINARY_DIR;

export {};

// Loaded with `node --import` to report the process's peak resident set size (KiB) when it exits.
import { writeFileSync } from 'node:fs';

process.on('exit', () => writeFileSync(process.env.BENCH_RSS_FILE, String(process.resourceUsage().maxRSS)));

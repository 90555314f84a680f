// `node bench/profile-summary.mjs <file.cpuprofile> [top]`: where a CPU profile spent its time,
// by function (self time), heaviest first. Profiles come from `BENCH_CPU_PROFILE=<file>` (measure.ts, bare.ts).
import fs from 'node:fs';

const [file, top = '25'] = process.argv.slice(2);
const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const self = new Map();
let total = 0;
profile.samples.forEach((id, i) => {
	const { functionName, url, lineNumber } = nodes.get(id).callFrame;
	const key = `${functionName || '(anonymous)'}  ${url.split('/').slice(-3).join('/')}:${lineNumber + 1}`;
	const micros = profile.timeDeltas[i] ?? 0;
	self.set(key, (self.get(key) ?? 0) + micros);
	total += micros;
});
console.log(`${(total / 1000).toFixed(0)} ms sampled`);
for (const [key, micros] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(top))) {
	console.log(`${(micros / 1000).toFixed(1).padStart(8)} ms ${((100 * micros) / total).toFixed(1).padStart(5)}%  ${key}`);
}

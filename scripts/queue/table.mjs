// The run's result table: one row per check (case, what was checked, PASS/FAIL, the figures), plus
// free-form figures, printed at the end and written to a Markdown file.
import { writeFileSync } from 'node:fs';

export function createTable(log = (line) => console.log(line)) {
	const rows = [];
	const figures = [];
	return {
		rows,
		figures,
		/** Records a check and prints it at once; returns `ok`. */
		check(caseName, what, ok, detail = '') {
			rows.push({ caseName, what, ok: Boolean(ok), detail: String(detail) });
			log(`  ${ok ? 'PASS' : 'FAIL'}  [${caseName}] ${what}${detail ? `: ${detail}` : ''}`);
			return Boolean(ok);
		},
		/** A measured figure without pass/fail. */
		figure(name, value) {
			figures.push({ name, value: String(value) });
			log(`  ----  ${name}: ${value}`);
		},
		failures: () => rows.filter((row) => !row.ok).length,
		markdown() {
			const esc = (text) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
			const lines = ['| case | check | result | figures |', '|---|---|---|---|'];
			for (const row of rows) lines.push(`| ${esc(row.caseName)} | ${esc(row.what)} | ${row.ok ? 'PASS' : '**FAIL**'} | ${esc(row.detail)} |`);
			if (figures.length) {
				lines.push('', '| figure | value |', '|---|---|');
				for (const figure of figures) lines.push(`| ${esc(figure.name)} | ${esc(figure.value)} |`);
			}
			return lines.join('\n');
		},
		print(file) {
			const text = this.markdown();
			console.log(`\n${text}\n`);
			if (file) writeFileSync(file, `${text}\n`);
		},
	};
}

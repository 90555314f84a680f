// Checks printed as they happen (✓/✗), grouped in sections, and a summary at the end.
export function createReport() {
	const sections = [];
	let current;
	return {
		section(title) {
			if (current) current.ended = Date.now();
			current = { title, checks: [], started: Date.now(), timings: [] };
			sections.push(current);
			console.log(`\n━━ ${title} ━━`);
		},
		note(text) {
			console.log(`  · ${text}`);
		},
		check(ok, label, detail = '') {
			if (!current) this.section('e2e');
			current.checks.push({ ok, label, detail });
			const shown = detail ? `  ${String(detail).split('\n').slice(0, 6).join('\n      ')}` : '';
			console.log(`  ${ok ? '✓' : '✗'} ${label}${shown}`);
			return ok;
		},
		/** Times a phase of the current section. */
		async timed(name, fn) {
			const started = Date.now();
			try {
				return await fn();
			} finally {
				current.timings.push(`${name} ${((Date.now() - started) / 1000).toFixed(1)} s`);
			}
		},
		/** The number of checks so far. */
		count() {
			return sections.reduce((sum, section) => sum + section.checks.length, 0);
		},
		/** Prints the summary; returns the number of failed checks. */
		summary(started) {
			console.log('\n══ Summary ══');
			let failed = 0;
			for (const section of sections) {
				const bad = section.checks.filter((c) => !c.ok);
				failed += bad.length;
				const seconds = (((section.ended ?? Date.now()) - section.started) / 1000).toFixed(0);
				console.log(`${bad.length ? '✗' : '✓'} ${section.title}: ${section.checks.length - bad.length}/${section.checks.length} checks passed (${seconds} s${section.timings.length ? `: ${section.timings.join(', ')}` : ''})`);
				for (const check of bad) console.log(`    ✗ ${check.label}${check.detail ? ` — ${String(check.detail).split('\n')[0]}` : ''}`);
			}
			console.log(`${failed ? '✗ FAILED' : '✓ PASSED'}: ${failed} failed check(s), ${((Date.now() - started) / 1000).toFixed(0)} s in total`);
			return failed;
		},
	};
}

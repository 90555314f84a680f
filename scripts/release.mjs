#!/usr/bin/env node
// The package's public addresses live in release.json only.
//
//   node scripts/release.mjs sync    (run by `npm run build`) writes them into package.json
//                                    (homepage, repository, bugs, author), the node's codex and the
//                                    credential's documentationUrl;
//   node scripts/release.mjs check   (`npm run release:check`, and the publish workflow) exits 1
//                                    with a list while anything a publish needs is missing or
//                                    still a placeholder.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const path = (name) => join(REPO, name);
const readJson = (name) => JSON.parse(readFileSync(path(name), 'utf8'));
/** Each node's codex (its "Docs" links in the editor) and the release.json docs entry it links to. */
const CODEXES = {
	'nodes/EspoCrmAttachment/EspoCrmAttachment.node.json': 'node',
	'nodes/EspoCrmFileTrigger/EspoCrmFileTrigger.node.json': 'trigger',
	'nodes/EspoCrmFilePollTrigger/EspoCrmFilePollTrigger.node.json': 'trigger',
};
const CREDENTIAL = 'credentials/EspoCrmApi.credentials.ts';
const CREDENTIAL_DOCS = /(documentationUrl =\s*)'[^']*'/;

/** Writes `content` only when it differs (so a build does not touch files needlessly). */
function update(name, content) {
	if (readFileSync(path(name), 'utf8') !== content) {
		writeFileSync(path(name), content);
		console.log(`release.json → ${name}`);
	}
}

function sync(release) {
	const repo = release.repository.replace(/\/+$/, '').replace(/\.git$/, '');
	const pkg = readJson('package.json');
	pkg.homepage = `${repo}#readme`;
	pkg.repository = { type: 'git', url: `git+${repo}.git` };
	pkg.bugs = { url: `${repo}/issues` };
	pkg.author = { name: release.author.name, email: release.author.email };
	update('package.json', `${JSON.stringify(pkg, null, 2)}\n`);

	for (const [file, docs] of Object.entries(CODEXES)) {
		if (!existsSync(path(file))) continue;
		const codex = readJson(file);
		codex.resources = { credentialDocumentation: [{ url: release.docs.credential }], primaryDocumentation: [{ url: release.docs[docs] }] };
		update(file, `${JSON.stringify(codex, null, '\t')}\n`);
	}

	const credential = readFileSync(path(CREDENTIAL), 'utf8');
	if (!CREDENTIAL_DOCS.test(credential)) throw new Error(`${CREDENTIAL}: no \`documentationUrl = '…'\` to update`);
	update(CREDENTIAL, credential.replace(CREDENTIAL_DOCS, `$1'${release.docs.credential}'`));
}

function check(release) {
	const problems = [];
	const values = {
		'release.json repository': release.repository,
		'release.json author.name': release.author?.name,
		'release.json author.email': release.author?.email,
		'release.json docs.node': release.docs?.node,
		'release.json docs.trigger': release.docs?.trigger,
		'release.json docs.credential': release.docs?.credential,
	};
	for (const [where, value] of Object.entries(values)) {
		if (!value) problems.push(`${where} is empty`);
		else {
			const marker = (release.placeholders ?? []).find((p) => value.includes(p));
			if (marker) problems.push(`${where} is still the placeholder "${value}" (contains "${marker}")`);
		}
	}
	if (release.repository && !/^https:\/\/github\.com\/[\w.-]+\/[\w.-]+$/.test(release.repository)) {
		problems.push(`release.json repository must be the public GitHub repository's https URL (npm provenance and n8n's verification check it): "${release.repository}"`);
	}
	if (release.author?.email && !/^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i.test(release.author.email)) problems.push(`release.json author.email is not an e-mail address: "${release.author.email}"`);

	// The build must have written release.json into the sources.
	const pkg = readJson('package.json');
	const repo = (release.repository ?? '').replace(/\/+$/, '');
	if (pkg.repository?.url !== `git+${repo}.git` || pkg.homepage !== `${repo}#readme` || pkg.author?.email !== release.author?.email) {
		problems.push('package.json does not match release.json: run `npm run build` (it writes release.json into package.json)');
	}
	for (const [file, docs] of Object.entries(CODEXES)) {
		if (!existsSync(path(file))) continue;
		const codex = readJson(file);
		if (codex.resources?.primaryDocumentation?.[0]?.url !== release.docs?.[docs] || codex.resources?.credentialDocumentation?.[0]?.url !== release.docs?.credential) {
			problems.push(`${file} does not match release.json docs: run \`npm run build\``);
		}
	}
	if (!readFileSync(path(CREDENTIAL), 'utf8').includes(`'${release.docs?.credential}'`)) problems.push(`${CREDENTIAL} documentationUrl does not match release.json docs.credential: run \`npm run build\``);

	// What is published.
	const changelog = existsSync(path('CHANGELOG.md')) ? readFileSync(path('CHANGELOG.md'), 'utf8') : '';
	if (!new RegExp(`^## \\[?${pkg.version.replace(/\./g, '\\.')}\\]?`, 'm').test(changelog)) problems.push(`CHANGELOG.md has no "## ${pkg.version}" section`);
	if (/^## \[?Unreleased\]?\s*\n+(?!##)\S/im.test(changelog)) problems.push('CHANGELOG.md has entries under "Unreleased": move them under the version being published');
	const tag = process.env.GITHUB_REF_TYPE === 'tag' ? process.env.GITHUB_REF_NAME : undefined;
	if (tag && tag !== `v${pkg.version}`) problems.push(`the tag ${tag} does not match package.json version ${pkg.version} (expected v${pkg.version})`);
	if (pkg.dependencies && Object.keys(pkg.dependencies).length) problems.push(`package.json has runtime dependencies (${Object.keys(pkg.dependencies).join(', ')}): n8n's verification allows none`);
	if (!existsSync(path('dist'))) problems.push('dist/ is missing: run `npm run build`');
	else {
		const files = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO, encoding: 'utf8' }))[0].files.map((f) => f.path);
		for (const file of [...pkg.n8n.nodes, ...pkg.n8n.credentials, pkg.main].filter(Boolean)) {
			if (!files.includes(file)) problems.push(`npm pack would not ship ${file}`);
		}
	}

	if (problems.length) {
		console.error(`release:check: NOT ready to publish ${pkg.name}@${pkg.version} — ${problems.length} problem(s):`);
		for (const problem of problems) console.error(`  ✗ ${problem}`);
		console.error('Set the real values in release.json (see RELEASING.md), run `npm run build`, commit, then tag.');
		process.exit(1);
	}
	console.log(`release:check: ${pkg.name}@${pkg.version} is ready to publish (repository ${release.repository})`);
}

const command = process.argv[2];
const release = readJson('release.json');
if (command === 'sync') sync(release);
else if (command === 'check') check(release);
else {
	console.error('usage: node scripts/release.mjs sync|check');
	process.exit(2);
}

// What n8n shows of the node before anything runs: the package loads from dist like a community
// package, the subtitle names the operation, icons exist, and the node can be an AI tool.
import { existsSync } from 'fs';
import path from 'path';

import type { INode } from 'n8n-workflow';
import { Workflow } from 'n8n-workflow';

import { loadedPackage } from '../harness';
import { nodeTypes, PACKAGE_NODE_TYPE } from '../harness/engine';

const description = () => nodeTypes.getByNameAndVersion(PACKAGE_NODE_TYPE, 1).description;

describe('the node as n8n loads it', () => {
	test('the package loads the node and the credential from dist without errors', () => {
		const loaded = loadedPackage();
		expect(loaded.nodeTypes).toContain(PACKAGE_NODE_TYPE);
		expect(loaded.credentialTypes).toContain('espoCrmApi');
		expect(loaded.loadErrors).toEqual({});
	});

	test.each([
		['uploadToFileField', 'Upload and Link'],
		['uploadToAttachmentMultiple', 'Upload and Append'],
		['downloadFromRecord', 'Download From Record'],
		['delete', 'Delete'],
	])('the subtitle under the node for %s reads "%s"', (operation, expected) => {
		const node: INode = {
			id: '1', name: 'EspoCRM Attachment', type: PACKAGE_NODE_TYPE, typeVersion: 1, position: [0, 0],
			parameters: { resource: 'attachment', operation },
		};
		const workflow = new Workflow({ nodes: [node], connections: {}, active: false, nodeTypes });
		expect(workflow.expression.getSimpleParameterValue(node, description().subtitle as string, 'internal', {})).toBe(expected);
	});

	test('the subtitle is the one each operation module states (the literal is what the scanner reads)', () => {
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const { subtitle } = require('../../dist/nodes/EspoCrmAttachment/actions/attachment/index.js') as { subtitle: string };
		expect(description().subtitle).toBe(subtitle);
	});

	test('every operation offers the options the router applies (Concurrency and Timeout)', () => {
		const operation = description().properties.find((p) => p.name === 'operation');
		const values = (operation?.options ?? []).map((option) => (option as { value: string }).value);
		const withOptions = values.map((value) => {
			const collection = description().properties.find(
				(p) => p.name === 'options' && (p.displayOptions?.show?.operation as string[] | undefined)?.includes(value),
			);
			const names = ((collection?.options ?? []) as Array<{ name: string }>).map((option) => option.name);
			return [value, names.includes('concurrency'), names.includes('timeoutSeconds')];
		});
		expect(withOptions).toEqual(values.map((value) => [value, true, true]));
	});

	test('light and dark icons ship in dist, and the node is usable as an AI tool', () => {
		// The loader turns `icon` into `iconUrl`: read the class as built.
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const { EspoCrmAttachment } = require('../../dist/nodes/EspoCrmAttachment/EspoCrmAttachment.node.js');
		const icon = new EspoCrmAttachment().description.icon as { light: string; dark: string };
		expect(icon.light).not.toBe(icon.dark);
		for (const file of [icon.light, icon.dark]) {
			expect(existsSync(path.join(__dirname, '../../dist/nodes/EspoCrmAttachment', file.replace(/^file:/, '')))).toBe(true);
		}
		expect(description().usableAsTool).toBe(true);
	});

	test('every operation has an action name and every parameter a description or hint', () => {
		const operation = description().properties.find((p) => p.name === 'operation');
		for (const option of operation?.options ?? []) expect('action' in option && option.action).toBeTruthy();
		for (const property of description().properties) {
			if (property.type === 'notice' || property.type === 'collection' || property.name === 'resource' || property.name === 'operation') continue;
			expect([property.name, Boolean(property.description || property.hint)]).toEqual([property.name, true]);
		}
	});
});

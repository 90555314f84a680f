// The ids a trigger remembers (workflow static data): a union per record and field, bounded.
import type { IDataObject } from 'n8n-workflow';

import { KnownFiles } from '../../nodes/EspoCrmFileTrigger/shared';

describe('KnownFiles', () => {
	it('keeps the most recently touched records when over the bound; ids are a union', () => {
		const staticData: IDataObject = {};
		const known = KnownFiles.in(staticData, 2);
		known.remember('a', 'attachments', ['1', '2']);
		known.remember('b', 'attachments', ['3']);
		known.remember('a', 'attachments', ['2', '4']); // a is now the most recent
		known.remember('c', 'file', ['5']); // b, the least recent, goes
		expect(known.recordIds()).toEqual(['a', 'c']);
		expect(known.ids('a', 'attachments')).toEqual(['1', '2', '4']);
		expect(known.has('b')).toBe(false);
		expect(staticData.known).toEqual({ 'r:a': { attachments: ['1', '2', '4'] }, 'r:c': { file: ['5'] } });
	});

	it('keeps at most 500 ids per field (the newest)', () => {
		const known = KnownFiles.in({}, 10);
		known.remember('a', 'attachments', Array.from({ length: 600 }, (_, i) => `id${i}`));
		expect(known.ids('a', 'attachments')).toHaveLength(500);
		expect(known.ids('a', 'attachments')[0]).toBe('id100');
	});

	it('an all-digit record id keeps its place in the order (keys are prefixed)', () => {
		const known = KnownFiles.in({}, 2);
		known.remember('zz', 'file', ['1']);
		known.remember('123', 'file', ['2']);
		known.remember('yy', 'file', ['3']);
		expect(known.recordIds()).toEqual(['123', 'yy']);
	});
});

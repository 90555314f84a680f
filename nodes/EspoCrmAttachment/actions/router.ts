import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { EspoClient } from '../client';
import { operations } from './attachment';

type Outcome = { ok: true; items: INodeExecutionData[] } | { ok: false; error: NodeApiError | NodeOperationError };

/** Tells the user of a failed run that the other items did run (the node does not roll them back). */
function othersNote(outcomes: Outcome[], failedIndex: number): string {
	const done = outcomes.flatMap((outcome, i) => (outcome.ok && i !== failedIndex ? [i] : []));
	if (done.length === 0) return 'No other item was written to EspoCRM.';
	const list = done.length > 10 ? `${done.slice(0, 10).join(', ')} and ${done.length - 10} more` : done.join(', ');
	return `Item(s) ${list} succeeded and were written to EspoCRM; running the workflow again repeats them. Set "On Error" to "Continue" to get a result for every item.`;
}

function asNodeError(ctx: IExecuteFunctions, error: unknown, itemIndex: number): NodeApiError | NodeOperationError {
	const nodeError =
		error instanceof NodeApiError || error instanceof NodeOperationError
			? error
			: new NodeOperationError(ctx.getNode(), error as Error, { itemIndex });
	nodeError.context.itemIndex = itemIndex;
	if (!/\[item \d+\]$/.test(nodeError.message)) nodeError.message = `${nodeError.message} [item ${itemIndex}]`;
	return nodeError;
}

/**
 * Runs the chosen operation for every input item with one EspoCRM client (its Concurrency bounds
 * the requests in flight) and returns the outputs in input order with `pairedItem`. All items run
 * to the end (so no upload is left waiting for a link); then, unless "Continue On Fail" is set,
 * the first failed item's error is thrown. The client is closed in any case.
 */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const operation = this.getNodeParameter('operation', 0) as string;
	const handler = operations[operation];
	if (!handler) {
		throw new NodeOperationError(this.getNode(), `The operation "${operation}" is not supported`);
	}
	const options = this.getNodeParameter('options', 0, {}) as IDataObject;
	const client = new EspoClient(this, {
		concurrency: Number(options.concurrency ?? 5) || 5,
		timeoutMs: Math.max(1, Number(options.timeoutSeconds ?? 300) || 300) * 1000,
		itemCount: items.length,
	});

	let outcomes: Outcome[];
	try {
		outcomes = await Promise.all(
			items.map(async (item, i): Promise<Outcome> => {
				try {
					return { ok: true, items: await handler.execute.call(this, i, client, item) };
				} catch (error) {
					return { ok: false, error: asNodeError(this, error, i) };
				} finally {
					client.writes.arrive(i);
				}
			}),
		);
	} finally {
		await client.close();
	}

	const output: INodeExecutionData[] = [];
	for (const [i, outcome] of outcomes.entries()) {
		if (outcome.ok) {
			output.push(...outcome.items);
		} else if (this.continueOnFail()) {
			// Not `error: outcome.error` on the item: n8n would then replace the json with the message
			// alone and the hint (and what was left behind) would be lost. json of only `error` and
			// `details` is still routed to the error output when "On Error" is "Continue (using error output)".
			output.push({
				json: { error: outcome.error.message, details: outcome.error.description ?? '' },
				pairedItem: { item: i },
			});
		} else {
			if (handler.writes && outcomes.length > 1) {
				const before = (outcome.error.description ?? '').trim();
				const separator = before === '' || /[.!?]$/.test(before) ? ' ' : '. ';
				outcome.error.description = `${before}${separator}${othersNote(outcomes, i)}`.trim();
			}
			throw outcome.error;
		}
	}
	return [output];
}

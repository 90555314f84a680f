import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { operationProperty, operations } from './actions/attachment';
import { router } from './actions/router';
import { credentialTest, listSearch, loadOptions } from './methods';

export class EspoCrmAttachment implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'EspoCRM Attachment',
		name: 'espoCrmAttachment',
		icon: { light: 'file:espocrm.svg', dark: 'file:espocrm.dark.svg' },
		group: ['transform'],
		version: 1,
		// The canvas shows the operation's name under the node, not its internal value. A literal (the
		// scanner's rule reads it); test/workflow/nodeDescription.test.ts checks it against each operation's `subtitle`.
		subtitle:
			'={{ {"copyToRecord":"Copy to Record","delete":"Delete","download":"Download","downloadFromRecord":"Download From Record","get":"Get","removeFromRecord":"Remove From Record","upload":"Upload","uploadToAttachmentMultiple":"Upload and Append","uploadToFileField":"Upload and Link"}[$parameter["operation"]] }}',
		description: 'Upload, link, download, copy and remove files of EspoCRM records',
		defaults: { name: 'EspoCRM Attachment' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'espoCrmApi', required: true, testedBy: 'espoCrmApiTest' }],
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [{ name: 'Attachment', value: 'attachment' }],
				default: 'attachment',
			},
			operationProperty,
			...Object.values(operations).flatMap((operation) => operation.description),
		],
	};

	methods = { loadOptions, listSearch, credentialTest };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}

// n8n reads the node and credential paths from the "n8n" field of package.json. This entry point
// (package.json "main") lets code that requires the package by name get the same classes:
//   const { EspoCrmAttachment, EspoCrmApi } = require('n8n-nodes-espocrm-attachments');
// (n8n-workflow, a peer dependency, must be installed beside it, as it is inside n8n).
const { EspoCrmAttachment } = require('./dist/nodes/EspoCrmAttachment/EspoCrmAttachment.node.js');
const { EspoCrmApi } = require('./dist/credentials/EspoCrmApi.credentials.js');

module.exports = { EspoCrmAttachment, EspoCrmApi };

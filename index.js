// n8n reads the node and credential paths from the "n8n" field of package.json;
// this file only exists so that `require('n8n-nodes-espocrm-attachments')` resolves.
module.exports = {};

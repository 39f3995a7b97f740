/** The Markdown escapers of hovers and completion: one implementation, shared with the client's export (protocol/markdown.ts). */
export { escapeMarkdown, markdownCode } from '../../protocol/markdown';

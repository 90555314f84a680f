// Access control: scope levels from the user's role, the mandatory Attachment levels, field-level edit ACL
// and the Attachment read rules of Espo's Acl/Attachment/AccessChecker (api §5.1, §3.2 rows 7–8).
import { entityDef } from './metadata';
import type { AttachmentRow, RecordRow, Store } from './store';
import type { EmulatorUser } from './users';

export type AclAction = 'create' | 'read' | 'edit' | 'delete';

export class Acl {
	constructor(
		readonly user: EmulatorUser,
		private readonly store: Store,
	) {}

	get isAdmin(): boolean {
		return this.user.type === 'admin';
	}

	/** Scope-level check (`acl->check($entityType, $action)`). */
	checkScope(entityType: string, action: AclAction): boolean {
		// Attachment is mandatory `create: yes, read/edit/delete: own` for every user (api §3.2 row 1).
		if (entityType === 'Attachment') return true;
		if (!entityDef(entityType)) return false;
		if (this.isAdmin) return true;
		const access = this.user.scopes[entityType] ?? 'none';
		return access === 'full' || (access === 'read' && action === 'read');
	}

	/** Record-level check; the demo roles grant `all`, so it is the scope level. */
	checkRecord(entityType: string, _row: RecordRow, action: AclAction): boolean {
		return this.checkScope(entityType, action);
	}

	canEditField(entityType: string, field: string): boolean {
		if (this.isAdmin) return true;
		return !(this.user.noEditFields?.[entityType] ?? []).includes(field);
	}

	/** Readable when its parent/related record is readable, or it is the user's own (api §5.1). */
	canReadAttachment(attachment: AttachmentRow): boolean {
		if (this.isAdmin) return true;
		if (attachment.parentType === 'Settings') return true;
		const owner =
			attachment.parentType && attachment.parentId
				? { type: attachment.parentType, id: attachment.parentId }
				: attachment.relatedType && attachment.relatedId
					? { type: attachment.relatedType, id: attachment.relatedId }
					: undefined;
		if (owner) {
			const record = this.store.record(owner.type, owner.id);
			if (record && this.checkRecord(owner.type, record, 'read')) return true;
		}
		return this.isOwn(attachment);
	}

	/** Edit and delete on attachments are `own` (api §5.2). */
	canEditAttachment(attachment: AttachmentRow): boolean {
		return this.isAdmin || this.isOwn(attachment);
	}

	canDeleteAttachment(attachment: AttachmentRow): boolean {
		return this.isAdmin || this.isOwn(attachment);
	}

	private isOwn(attachment: AttachmentRow): boolean {
		return attachment.createdById === this.user.id;
	}
}

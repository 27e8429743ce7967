/** Parsing stored templates from their RPC form (JSON text) into API objects. */
import type { StoredTemplateRow } from '../business/business-do'
import { templateVariables } from './substitute'

export interface StoredTemplate {
	id: string
	name: string
	message: unknown
	variables: string[]
	dataRef: Record<string, unknown> | null
	createdAt: string
	updatedAt: string
}

export function parseTemplate(row: StoredTemplateRow): StoredTemplate {
	const message = JSON.parse(row.messageJson) as unknown
	return {
		id: row.id,
		name: row.name,
		message,
		variables: templateVariables(message),
		dataRef: row.dataRefJson === null ? null : (JSON.parse(row.dataRefJson) as Record<string, unknown>),
		createdAt: row.createdAt,
		updatedAt: row.updatedAt,
	}
}

/**
 * Reading and the template library through the client against the running Worker:
 * `for await` over conversations, history (both orders) and templates across several pages;
 * templates created, read, replaced, previewed, sent and deleted.
 */
import { describe, expect, it } from 'vitest'
import { AmbBadRequestError, AmbNotFoundError, AmbUnprocessableError, type MessageRecord, type TemplateInput } from '../src/index.ts'
import { eventually, flakyFetch, useStack } from './live.ts'

const stack = useStack()

describe('paging with for await', () => {
	it('conversations: every one of 5, two per page, one request per page', async () => {
		const biz = await stack.newBusiness('/paging')
		const customers = new Set<string>()
		for (let i = 0; i < 5; i++) customers.add(await stack.openConversation(`hello ${i}`, biz))
		// The index is fed from conversation.started by the queue consumer: within seconds.
		const all = stack.client({ apiKey: biz.apiKey }).conversations.list({ limit: 100 })
		await eventually('5 conversations indexed', async () => ((await all.toArray()).length === 5 ? true : undefined))
		const flaky = flakyFetch()
		const amb = stack.client({ apiKey: biz.apiKey, fetch: flaky.fetch })
		const seen: string[] = []
		for await (const c of amb.conversations.list({ limit: 2 })) seen.push(c.customerId)
		expect(new Set(seen)).toEqual(customers)
		expect(seen).toHaveLength(5)
		expect(flaky.calls.map((c) => new URL(c.url).searchParams.get('limit'))).toEqual(['2', '2', '2'])
		expect(new URL(flaky.calls[1]!.url).searchParams.get('cursor')).toMatch(/^[0-9a-f]{64}$/)

		const pages: number[] = []
		for await (const page of amb.conversations.list({ limit: 2 }).pages()) pages.push(page.data.length)
		expect(pages).toEqual([2, 2, 1])
	})

	it('history: ascending and descending across pages, and resuming after a sequence', async () => {
		const customerId = await stack.openConversation('m1')
		const amb = stack.client()
		for (const text of ['m2', 'm3', 'm4']) await stack.customerWrites(customerId, text)
		const sent = await amb.sendMessage({ customerId, message: { type: 'text', text: 'reply' } })
		const conversation = await amb.conversations.get(sent.conversationId)
		expect(conversation).toMatchObject({ customerId, status: 'open', lastSequence: 5, businessId: stack.business.businessId })
		// The hand-written answer types name exactly what the Worker sends.
		expect(Object.keys(conversation).sort()).toEqual(
			[
				'conversationId',
				'businessId',
				'customerId',
				'status',
				'capabilities',
				'deviceAgent',
				'locale',
				'intent',
				'group',
				'lastSequence',
				'startedAt',
				'updatedAt',
				'closedAt',
				'appleBusinessId',
			].sort(),
		)
		expect(Object.keys(sent).sort()).toEqual(['id', 'conversationId', 'sequence', 'status', 'rendered', 'richLinks', 'idempotencyKey', 'replayed'].sort())

		const asc: MessageRecord[] = []
		for await (const m of amb.conversations.messages(sent.conversationId, { limit: 2 })) asc.push(m)
		expect(asc.map((m) => m.sequence)).toEqual([1, 2, 3, 4, 5])
		expect(asc.map((m) => m.direction)).toEqual(['inbound', 'inbound', 'inbound', 'inbound', 'outbound'])
		expect(asc[4]).toMatchObject({ id: sent.id, type: 'text' })
		expect(asc[0]!.events.map((e) => e.type)).toEqual(['conversation.started', 'message.received'])
		expect(Object.keys(asc[0]!).sort()).toEqual(['id', 'sequence', 'direction', 'type', 'status', 'content', 'createdAt', 'updatedAt', 'events'].sort())
		expect(Object.keys(asc[0]!.events[0]!).sort()).toEqual(['id', 'type', 'state', 'attempts', 'lastStatus', 'lastError', 'nextAttemptAt', 'settledAt'].sort())

		const desc = await amb.conversations.messages(sent.conversationId, { limit: 2, order: 'desc' }).toArray()
		expect(desc.map((m) => m.sequence)).toEqual([5, 4, 3, 2, 1])
		const after = await amb.conversations.messages(sent.conversationId, { limit: 2, after: 3 }).toArray()
		expect(after.map((m) => m.sequence)).toEqual([4, 5])
	})
})

const menu = (prompt: string): TemplateInput => ({
	name: 'menu',
	message: {
		type: 'quickReply',
		prompt,
		items: [
			{ id: 'yes', title: 'Yes, {{name}}' },
			{ id: 'no', title: 'No' },
		],
	},
})

describe('templates', () => {
	it('create, get, list, update, preview, send, delete', async () => {
		const amb = stack.client()
		const created = await amb.templates.create(menu('Hello {{name}}, shall we?'))
		expect(created).toMatchObject({ name: 'menu', variables: ['name'], dataRef: null })
		expect(created.id).toMatch(/^tpl_/)
		expect(Object.keys(created).sort()).toEqual(['id', 'name', 'message', 'variables', 'dataRef', 'createdAt', 'updatedAt'].sort())
		expect(await amb.templates.get(created.id)).toEqual(created)

		const updated = await amb.templates.update(created.id, { ...menu('Hi {{name}}, ready for {{day}}?'), name: 'menu v2' })
		expect(updated).toMatchObject({ id: created.id, name: 'menu v2' })
		expect(new Set(updated.variables)).toEqual(new Set(['name', 'day']))

		const preview = await amb.templates.preview(created.id, { name: 'Ada', day: 'Friday' })
		expect(preview).toMatchObject({ valid: true, problems: [], message: { type: 'quickReply', prompt: 'Hi Ada, ready for Friday?' } })
		expect(preview.apple).not.toBeNull()
		expect(Object.keys(preview).sort()).toEqual(['valid', 'problems', 'warnings', 'message', 'apple'].sort())

		const missing = await amb.templates.preview(created.id, { name: 'Ada' }).catch((e: unknown) => e)
		expect(missing).toBeInstanceOf(AmbUnprocessableError)
		expect((missing as AmbUnprocessableError).fieldErrors).toEqual([{ path: 'variables.day', message: 'required by the template' }])

		const customerId = await stack.openConversation()
		const sent = await amb.sendMessage({ customerId, message: { type: 'template', templateId: created.id, variables: { name: 'Ada', day: 'Friday' } } })
		expect(sent).toMatchObject({ status: 'queued', rendered: 'original' })

		await amb.templates.delete(created.id)
		await expect(amb.templates.get(created.id)).rejects.toBeInstanceOf(AmbNotFoundError)
		await expect(amb.templates.delete(created.id)).rejects.toMatchObject({ status: 404, code: 'not_found', message: 'unknown template' })
	})

	it('an invalid template is a 400 naming the field', async () => {
		const err = await stack
			.client()
			.templates.create({ name: 'bad', message: { type: 'quickReply', prompt: 'p', items: [{ id: '', title: 'x' }] } })
			.catch((e: unknown) => e)
		expect(err).toBeInstanceOf(AmbBadRequestError)
		expect((err as AmbBadRequestError).fieldErrors.map((f) => f.path)).toContain('message.items.0.id')
	})

	it('list pages through every template', async () => {
		const biz = await stack.newBusiness('/templates')
		const amb = stack.client({ apiKey: biz.apiKey })
		const ids = new Set<string>()
		for (let i = 0; i < 5; i++) ids.add((await amb.templates.create({ ...menu(`Q${i} {{name}}`), name: `t${i}` })).id)
		const listed: string[] = []
		for await (const t of amb.templates.list({ limit: 2 })) listed.push(t.id)
		expect(listed).toHaveLength(5)
		expect(new Set(listed)).toEqual(ids)
	})
})

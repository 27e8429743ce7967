/**
 * Server-rendered pages: the device (`/device`, fragments `/device/thread` and
 * `/device/sidebar`), the webhook inbox (`/inbox`, fragment `/inbox/events`), and the
 * WebSocket (`/sim/ws`) that tells open pages what changed.
 */
import { Hono } from 'hono'
import type { SimBindings, SimEnv } from '../env'
import { simConfig, simState } from '../env'
import { renderThread } from '../device/render'
import { businessNames, devicePage, rejectionLog, sidebarList, type CustomerWithConversations } from './device-page'
import { inboxEvents, inboxPage } from './inbox-page'
import { layout } from './layout'
import { threadView } from './thread-view'

export const pageRoutes = new Hono<SimBindings>()

async function customersWithConversations(env: SimEnv): Promise<CustomerWithConversations[]> {
	const state = simState(env)
	const out: CustomerWithConversations[] = []
	for (const c of await state.listCustomers()) out.push({ ...c, conversations: await state.listConversations(c.id) })
	return out
}

async function thread(env: SimEnv, customerId: string, businessId: string) {
	const state = simState(env)
	const messages = await state.listMessages({ customerId, businessId })
	const rejections = (await state.listRejections({ customerId })).filter((r) => r.businessId === businessId)
	const device = (await state.getCustomer(customerId))?.device
	return threadView(renderThread(customerId, messages, device), rejections)
}

/** The capability-list the MSP last received in this conversation, if the customer wrote yet. */
async function mspCapabilities(env: SimEnv, customerId: string, businessId: string): Promise<string | null> {
	const sent = await simState(env).listMessages({ customerId, businessId, sender: 'customer' })
	return sent.findLast((m) => m.headers['capability-list'] !== undefined)?.headers['capability-list'] ?? null
}

pageRoutes.get('/', (c) => c.redirect('/device'))
pageRoutes.get('/favicon.ico', (c) => c.body(null, 204))

pageRoutes.get('/device', async (c) => {
	const customers = await customersWithConversations(c.env)
	const customerId = c.req.query('customer') ?? customers.at(-1)?.id ?? ''
	const customer = customers.find((x) => x.id === customerId) ?? null
	const business = c.req.query('business') ?? customer?.conversations.at(-1)?.businessId ?? ''
	const content = devicePage({
		customers,
		customer,
		business,
		thread: customer && business ? await thread(c.env, customer.id, business) : await thread(c.env, '', ''),
		switches: await simState(c.env).getSwitches(),
		rejections: await simState(c.env).listRejections(),
		businesses: await simState(c.env).listBusinesses(),
		mspCapabilities: customer && business ? await mspCapabilities(c.env, customer.id, business) : null,
	})
	return c.html(layout('amb-simulator · device', { page: 'device', testid: 'device-page', customer: customer?.id ?? '', business }, content))
})

pageRoutes.get('/device/thread', async (c) => {
	const customer = c.req.query('customer') ?? ''
	const business = c.req.query('business') ?? ''
	return c.html((await thread(c.env, customer, business)).value)
})

pageRoutes.get('/device/rejections', async (c) => c.html(rejectionLog(await simState(c.env).listRejections()).value))

pageRoutes.get('/device/sidebar', async (c) => {
	const names = businessNames(await simState(c.env).listBusinesses())
	const list = sidebarList(await customersWithConversations(c.env), c.req.query('customer') ?? '', c.req.query('business') ?? '', names)
	return c.html(list.value)
})

pageRoutes.get('/inbox', async (c) => {
	const state = simState(c.env)
	const config = simConfig(c.env)
	const content = inboxPage({
		events: await state.listInbox(),
		switches: await state.getSwitches(),
		envSecret: Boolean(config.INBOX_WEBHOOK_SECRET),
		publicUrl: config.PUBLIC_URL,
		businesses: await state.listBusinesses(),
	})
	return c.html(layout('amb-simulator · webhook inbox', { page: 'inbox', testid: 'inbox-page' }, content))
})

pageRoutes.get('/inbox/events', async (c) => c.html(inboxEvents(await simState(c.env).listInbox()).value))

pageRoutes.get('/sim/ws', (c) => {
	if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') return c.json({ code: 426, message: 'expected a WebSocket upgrade' }, 426)
	return c.env.SIM.getByName('simulator').fetch(c.req.raw)
})

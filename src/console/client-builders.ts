/**
 * Browser script, builders for the rich types beyond the pickers (part of client-script.ts;
 * uses `input`, `listEditor`, `setAt`, `renderBuilder` and `changed` from client-composer.ts):
 * form (pages of each type), rich link, Apple Pay, authentication and iMessage app. Any type
 * can also be edited as the API's JSON ("Edit as JSON").
 */
export const CLIENT_BUILDERS = String.raw`
var PAGE_SAMPLES = {
	select: function () { return { type: 'select', title: 'Choose', subtitle: 'Pick one', items: [{ id: 'one', title: 'One' }, { id: 'two', title: 'Two' }] } },
	picker: function () { return { type: 'picker', title: 'Size', pickerTitle: 'Size', items: [{ id: 's', title: 'Small' }, { id: 'l', title: 'Large' }] } },
	datePicker: function () { return { type: 'datePicker', title: 'Date', subtitle: 'When?', options: { dateFormat: 'MM/dd/yyyy' } } },
	input: function () { return { type: 'input', title: 'Details', subtitle: 'Tell us more', options: { required: false, inputType: 'singleline' } } },
}

function formPage(p) {
	var page = getAt(C.draft, p)
	var parts = [
		input('Page type', p + '.type', { kind: 'select', options: Object.keys(PAGE_SAMPLES), onSelect: function (t) { setAt(C.draft, p, PAGE_SAMPLES[t]()); renderBuilder(); changed() } }),
		input('Page title', p + '.title'), input('Question', p + '.subtitle'), input('Page id (optional)', p + '.id'),
	]
	if (page.type === 'select' || page.type === 'picker') {
		if (page.type === 'select') parts.push(input('Multiple selection', p + '.multipleSelection', { kind: 'checkbox' }))
		parts.push(listEditor('Choice', p + '.items', function (n) { return { id: 'choice-' + (n + 1), title: '' } }, function (q) { return [input('Id', q + '.id'), input('Title', q + '.title')] }))
	} else if (page.type === 'datePicker') {
		if (!page.options) page.options = {}
		parts.push(input('Date format', p + '.options.dateFormat'), input('Earliest (in that format)', p + '.options.minimumDate'), input('Latest', p + '.options.maximumDate'))
	} else if (page.type === 'input') {
		if (!page.options) page.options = {}
		parts.push(input('Required', p + '.options.required', { kind: 'checkbox' }), input('Placeholder', p + '.options.placeholder'),
			input('Maximum characters', p + '.options.maximumCharacterCount', { kind: 'number' }))
	}
	return [el('div', { class: 'full' }, parts)]
}

BUILDERS.form = function () {
	return [input('Title', 'title'), input('Subtitle', 'subtitle'), input('Show a summary before sending', 'showSummary', { kind: 'checkbox' }),
		listEditor('Page', 'pages', function () { return PAGE_SAMPLES.select() }, formPage)]
}
BUILDERS.richLink = function () { return [input('URL', 'url', { kind: 'url' }), input('Title', 'title'), input('Image URL', 'imageUrl')] }
BUILDERS.applePay = function () {
	return [input('Total label', 'total.label'), input('Total amount (e.g. 10.00)', 'total.amount'),
		listEditor('Line item', 'lineItems', function () { return { label: '', amount: '0.00' } }, function (q) { return [input('Label', q + '.label'), input('Amount', q + '.amount')] })]
}
BUILDERS.authenticate = function () {
	return [input('Title', 'title'), input('Subtitle', 'subtitle'), input('Also return the access token to the business', 'returnToken', { kind: 'checkbox' })]
}
BUILDERS.iMessageApp = function () {
	return [input('App name', 'appName'), input('App Store id', 'appId', { kind: 'number' }), input('Extension bundle id (bid)', 'bid'), input('URL (query data for the extension)', 'url'),
		input('Bubble title', 'receivedMessage.title'), input('Bubble subtitle', 'receivedMessage.subtitle'), input('App icon (https or data: URL)', 'appIcon')]
}
`

/**
 * The image of last resort for a rich link: Apple requires an image or video in a rich link's
 * assets (docs/apple-interactive.md §5.4), so a page with no usable image of its own, and a
 * business without a logo, still get a preview. A 96×96 PNG (838 bytes) of a grey chain link
 * on a light grey ground, drawn for amb-edge; neutral on purpose, it names no brand.
 */
export const NEUTRAL_LINK_IMAGE = {
	mimeType: 'image/png',
	data: 'iVBORw0KGgoAAAANSUhEUgAAAGAAAABgCAIAAABt+uBvAAADDUlEQVR42u3bLW8jMRAG4P3/oCQk5EqWpCTkliw5VBJSVHIlIVdyv+JeqVKU27Fnbe/Y60lfaVC/VD+yJ/6YGT4//zKUGEhAIAIRiEAEIhCBCMQgEIEIRCACEYhABGIQiEAEeiCg9/ffHx9XAv0Xl8vby8v5cDg+PR1ucTz+mKYZXt8aCDSAuHeRMY4nL0zGQOfzT53mPl5fL98LCGsqXceL0bDL3HFkNFjlHYUAKWmRrR0Z2QAFszK+eD/y6/XPPP+KSXVrNFSaPlhxEAnuiXwZDTVyM+ZOUMejkQGQHO3qOB0ZGQDJQSaeP1wYDdvPWXJ9pf9u/0ZbgXAKXYwNY87y7dyoyhJTMrQ7o6HGJgj7ndx12q2RAdA0zXKV5R7WZS7rxMgAKDi2dCN9h727kc1RYxxPZUYYuU5zC+zXHQPFFohulHsBsMs8MrvuwH+fZVR2PdLeyPLCLN0o9pMdGhlfuaYYISvH8g7OvUjYX/H8PPZgZH9pv2qEwcvvgkOuxB6Mqjz76EZy+gAiuPkOUjY2qvUulpVlYp90OlAbo4ovq4lGyDuxv7AK1MCo7tNzipFycEt8R6pqVP1tftUoBqSczloatShe0I2CQMjZ8iMsluOrGjUqf1GMACHnTvAD/ouysVG7+iDd6LY/jOUdoNy2Ai2NmhZQGZ4wmhm1rjArM8LJdq97yB1K8HKNgjqrRlb1R/vUKOrFDvd5p/gNchxPvos49XmEMSNhJ76OxIxMJtGeVa6KUcGdvzSaptl9GXDuPaQS8uCW/sbbdZ20lRHWY1mVgINCcisjucq212f3UmlvYiTfeLfn6Y5aEbYbPewSMzGSv5tVZ+KmmaXMCBlari/lrtJ3t0+uEXSCz5Amr9WdtkMpRosdNn4yVoT84P1iq2cRvWXGqtih64a64vsj5QLg0ToOC4xMcrOnlswsI8O546lnFR9ewRqtRVauUWTlqakXTNM0L3IzsjXWVL36M69dzziFtmnqZFs4gQhEIAIRiEAEIhCDQAQiEIEIRCACEYhBIAIRiECdxD8VG21U0gbNTwAAAABJRU5ErkJggg==',
} as const

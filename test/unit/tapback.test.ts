import { describe, expect, it } from 'vitest'
import { parseTapback } from '../../src/apple/tapback'

describe('parseTapback (docs/apple-protocol.md §4.9)', () => {
	it.each([
		['Liked “See you at 5”', { reaction: 'liked', targetText: 'See you at 5' }],
		['Loved “Your order shipped 📦”', { reaction: 'loved', targetText: 'Your order shipped 📦' }],
		['Disliked “no”', { reaction: 'disliked', targetText: 'no' }],
		['Laughed at “a “quoted” joke”', { reaction: 'laughed', targetText: 'a “quoted” joke' }],
		['Emphasized “Line one\nline two”', { reaction: 'emphasized', targetText: 'Line one\nline two' }],
		['Questioned "straight quotes"', { reaction: 'questioned', targetText: 'straight quotes' }],
		['Reacted 😀 to “hi”', { reaction: 'emoji', emoji: '😀', targetText: 'hi' }],
		['Reacted 👍🏽 to “ok”', { reaction: 'emoji', emoji: '👍🏽', targetText: 'ok' }],
		['Reacted with a sticker to “hello”', { reaction: 'sticker', targetText: 'hello' }],
		['Liked an image', { reaction: 'liked', targetText: 'an image' }],
		['Liked 1 Business Message', { reaction: 'liked', targetText: '1 Business Message' }],
		['Removed a heart from “x”', { reaction: 'loved', targetText: 'x', removed: true }],
	])('%s', (text, expected) => {
		expect(parseTapback(text)).toEqual(expected)
	})
	it.each(['I liked “that”', 'Liked it', 'Loved', 'Reacted to “x”', 'Liked “unterminated', 'hello'])('leaves ordinary text alone: %s', (text) => {
		expect(parseTapback(text)).toBeNull()
	})
})

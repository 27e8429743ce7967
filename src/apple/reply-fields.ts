/**
 * Tolerant zod pieces for what comes back from the device (docs/apple-interactive.md §3):
 * the sources disagree on types (numbers as strings, ints as floats) and some replies are
 * decoded from blobs of uncertain shape (§3.2 [U]), so every field falls back to `undefined`
 * or `[]` instead of failing the whole reply, and unknown keys pass through.
 */
import { z } from 'zod'

/** A string, or a number written as one; anything else → undefined. */
export const Str = z
	.union([z.string(), z.number().transform((n) => String(n))])
	.optional()
	.catch(undefined)

/** An integer, or a string of digits; anything else → undefined. */
export const Int = z
	.union([
		z.number().int(),
		z
			.string()
			.regex(/^-?\d+$/)
			.transform((s) => Number(s)),
	])
	.optional()
	.catch(undefined)

/** A finite number, or a numeric string. */
export const Num = z
	.union([
		z.number(),
		z
			.string()
			.regex(/^-?\d+(\.\d+)?$/)
			.transform((s) => Number(s)),
	])
	.optional()
	.catch(undefined)

/** An object (unknown keys kept) or undefined. */
export const Obj = z.record(z.string(), z.unknown()).optional().catch(undefined)
export type Obj = Record<string, unknown>

/** The elements of an array that match `item`; the rest (and a non-array) are dropped. */
export function listOf<T extends z.ZodType>(item: T) {
	return z
		.array(z.unknown())
		.catch([])
		.optional()
		.transform((xs) =>
			(xs ?? []).flatMap((x) => {
				const r = item.safeParse(x)
				return r.success ? [r.data as z.output<T>] : []
			}),
		)
}

export const asObj = (v: unknown): Obj | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined)

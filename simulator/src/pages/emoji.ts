/** The composer's emoji palette (outside the BMP on purpose: docs/apple-protocol.md §4.1 demands emoji survive). */
export const EMOJI = ['😀', '😂', '😍', '👍', '🙏', '🎉', '❤️', '😢', '🤔', '👋', '🚚', '📦', '✅', '❌', '🍕', '☕️'] as const

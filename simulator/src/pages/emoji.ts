/** The composer's emoji palette (outside the BMP on purpose: spec core §4.1 demands emoji survive). */
export const EMOJI = ['😀', '😂', '😍', '👍', '🙏', '🎉', '❤️', '😢', '🤔', '👋', '🚚', '📦', '✅', '❌', '🍕', '☕️'] as const

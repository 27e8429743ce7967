/**
 * Apple's outbound message layer: business message schemas, device fitting, preflight and
 * rendering to Apple's JSON. Pure: imports nothing from the platform.
 */
export * from './apple-body'
export * from './apple-time'
export * from './business-message'
export * from './capabilities'
export * from './image-ref'
export * from './message-images'
export * from './preflight'
export * from './render'
export * from './text-fallback'

/*
 * Which SBE schemas the C codecs compiled into this core were generated from. The TS loader
 * (src/native/addon.ts) compares this with the generated TS codecs and refuses a native module built
 * from different schemas.
 *
 * Thread-safety: immutable data; any thread.
 */
#ifndef GATEWAY_ABI_H
#define GATEWAY_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Version of this interface (bump when gw_abi_schema changes shape). */
#define GW_ABI_VERSION 1

typedef struct gw_abi_schema {
    /** Folder under native/generated/ the codecs came from, e.g. "fixp". */
    const char *dir;
    /** messageSchema package, e.g. "FIXP". */
    const char *package;
    uint32_t schema_id;
    uint32_t version;
    /** messageSchema semanticVersion ("" when absent). */
    const char *semantic_version;
    /** Hash of the schema IR (codegen/targets/c schemaFingerprint). */
    const char *fingerprint;
} gw_abi_schema;

uint32_t gw_abi_version(void);

/** Number of schemas whose codecs are compiled in (0 until `npm run generate` has written native/generated/). */
size_t gw_abi_schema_count(void);

/** Schema at index (in folder-name order), or NULL when index >= gw_abi_schema_count(). */
const gw_abi_schema *gw_abi_schema_at(size_t index);

#ifdef __cplusplus
}
#endif

#endif /* GATEWAY_ABI_H */

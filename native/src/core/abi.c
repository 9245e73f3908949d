/*
 * The schema list comes from gateway_abi_schemas.h, which CMakeLists.txt writes at configure time
 * from the folders of native/generated/ (each holds one schema: <p>.h, <p>_sbe.h, ...). It includes
 * each schema's runtime header and defines GATEWAY_ABI_SCHEMAS(X) as X("dir", PREFIX) per schema.
 *
 * GATEWAY_REQUIRED_SCHEMAS in CMakeLists.txt lists the folders that must be there (configure fails
 * otherwise). TODO(lead): keep that list in step with the native/generated/ entries of
 * codegen/schemas.json when a schema is added or removed.
 */
#include "abi.h"

#include "gateway_abi_schemas.h"

#define GW_ABI_ENTRY(dir, P) \
    { dir, P##_SBE_PACKAGE, P##_SBE_SCHEMA_ID, P##_SBE_SCHEMA_VERSION, P##_SBE_SEMANTIC_VERSION, P##_SBE_FINGERPRINT },

static const gw_abi_schema k_schemas[] = {
    GATEWAY_ABI_SCHEMAS(GW_ABI_ENTRY)
    /* Sentinel: keeps the array non-empty (ISO C) when no schema has been generated yet. */
    { NULL, NULL, 0, 0, NULL, NULL },
};

uint32_t gw_abi_version(void)
{
    return GW_ABI_VERSION;
}

size_t gw_abi_schema_count(void)
{
    return sizeof k_schemas / sizeof k_schemas[0] - 1;
}

const gw_abi_schema *gw_abi_schema_at(size_t index)
{
    return index < gw_abi_schema_count() ? &k_schemas[index] : NULL;
}

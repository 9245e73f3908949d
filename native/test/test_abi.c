/* gw_abi_* reports exactly the schemas found in native/generated/ at configure time. */
#include <string.h>

#include "abi.h"
#include "gateway_abi_schemas.h"
#include "test_util.h"

#ifndef GW_EXPECTED_SCHEMA_COUNT
#error "CMakeLists.txt defines GW_EXPECTED_SCHEMA_COUNT for this test"
#endif

static size_t g_index;

static void check_entry(const char *dir, const char *package, unsigned long long id, unsigned long long version,
                        const char *semantic_version, const char *fingerprint)
{
    const gw_abi_schema *s = gw_abi_schema_at(g_index++);
    EXPECT(s != NULL);
    if (s == NULL) return;
    EXPECT(strcmp(s->dir, dir) == 0);
    EXPECT(strcmp(s->package, package) == 0);
    EXPECT_EQ_U64(s->schema_id, id);
    EXPECT_EQ_U64(s->version, version);
    EXPECT(strcmp(s->semantic_version, semantic_version) == 0);
    EXPECT(strcmp(s->fingerprint, fingerprint) == 0);
    EXPECT_EQ_U64(strlen(s->fingerprint), 16);
}

#define CHECK_ENTRY(dir, P) \
    check_entry(dir, P##_SBE_PACKAGE, P##_SBE_SCHEMA_ID, P##_SBE_SCHEMA_VERSION, P##_SBE_SEMANTIC_VERSION, P##_SBE_FINGERPRINT);

int main(void)
{
    EXPECT_EQ_U64(gw_abi_version(), GW_ABI_VERSION);
    EXPECT_EQ_U64(gw_abi_schema_count(), GW_EXPECTED_SCHEMA_COUNT);
    GATEWAY_ABI_SCHEMAS(CHECK_ENTRY)
    EXPECT_EQ_U64(g_index, gw_abi_schema_count());
    EXPECT(gw_abi_schema_at(gw_abi_schema_count()) == NULL);
    printf("%zu schema(s) compiled in\n", gw_abi_schema_count());
    TEST_MAIN_END();
}

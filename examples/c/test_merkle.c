/*
 * C tests of the Merkle part of the claw C ABI: RFC 9162 leaf hashes, roots, inclusion and
 * consistency proofs on the standard 8-leaf CT tree (roots from
 * shared/vectors/merkle/rfc6962_ct_8leaves.json), the reference log's inclusion proof
 * (shared/clawsig/fixtures/log_inclusion_proof_golden.v1.json), and bad input on purpose.
 */
#include "check.h"

static const char *LEAVES_HEX[8] = {"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                    "606162636465666768696a6b6c6d6e6f"};
static const char *ROOTS_HEX[9] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};

static size_t unhex(const char *hex, uint8_t *out) {
  size_t n = strlen(hex) / 2;
  for (size_t i = 0; i < n; i++) {
    unsigned v;
    sscanf(hex + 2 * i, "%2x", &v);
    out[i] = (uint8_t)v;
  }
  return n;
}

static void test_rfc9162(void) {
  claw_error err;
  uint8_t leaves[8 * CLAW_MERKLE_HASH_LEN];
  uint8_t data[64], root[CLAW_MERKLE_HASH_LEN], want[CLAW_MERKLE_HASH_LEN];
  for (int i = 0; i < 8; i++) {
    size_t n = unhex(LEAVES_HEX[i], data);
    EXPECT_RC(claw_merkle_leaf_hash(n ? data : NULL, n, leaves + i * CLAW_MERKLE_HASH_LEN, &err), CLAW_OK);
  }
  for (int size = 0; size <= 8; size++) {
    EXPECT_RC(claw_merkle_root(size ? leaves : NULL, (size_t)size * CLAW_MERKLE_HASH_LEN, root, &err), CLAW_OK);
    unhex(ROOTS_HEX[size], want);
    CHECK(memcmp(root, want, sizeof root) == 0, "root of size %d", size);
  }

  /* Every inclusion proof of every tree size verifies; a tampered one does not. */
  uint8_t proof[CLAW_MERKLE_MAX_PROOF_LEN];
  size_t proof_len = 0;
  for (uint64_t size = 1; size <= 8; size++) {
    uint8_t r[CLAW_MERKLE_HASH_LEN];
    EXPECT_RC(claw_merkle_root(leaves, size * CLAW_MERKLE_HASH_LEN, r, &err), CLAW_OK);
    for (uint64_t i = 0; i < size; i++) {
      EXPECT_RC(claw_merkle_inclusion_proof(leaves, sizeof leaves, i, size, proof, sizeof proof, &proof_len, &err), CLAW_OK);
      EXPECT_RC(claw_merkle_verify_inclusion(leaves + i * CLAW_MERKLE_HASH_LEN, i, size, proof, proof_len, r, &err), CLAW_OK);
      if (proof_len > 0) {
        proof[0] ^= 1;
        EXPECT_ERR(claw_merkle_verify_inclusion(leaves + i * CLAW_MERKLE_HASH_LEN, i, size, proof, proof_len, r, &err),
                   CLAW_ERR_MERKLE, "MERKLE_ROOT_MISMATCH", &err);
      }
    }
  }
  /* tree_size 0 means the tree of all the leaves: the proof is the one cut at size 8, and it
     verifies at size 8 (found by ffi_entry_points, whose oracle read 0 as the empty tree). */
  for (uint64_t i = 0; i < 8; i++) {
    uint8_t whole[CLAW_MERKLE_MAX_PROOF_LEN];
    size_t whole_len = 0;
    EXPECT_RC(claw_merkle_inclusion_proof(leaves, sizeof leaves, i, 0, proof, sizeof proof, &proof_len, &err), CLAW_OK);
    EXPECT_RC(claw_merkle_inclusion_proof(leaves, sizeof leaves, i, 8, whole, sizeof whole, &whole_len, &err), CLAW_OK);
    CHECK(proof_len == whole_len && memcmp(proof, whole, proof_len) == 0, "size 0 cuts the size-8 proof of %d", (int)i);
    EXPECT_RC(claw_merkle_verify_inclusion(leaves + i * CLAW_MERKLE_HASH_LEN, i, 8, proof, proof_len, root, &err), CLAW_OK);
  }
  /* Consistency proofs from every old size to 8. */
  for (uint64_t old = 1; old <= 8; old++) {
    uint8_t r1[CLAW_MERKLE_HASH_LEN];
    EXPECT_RC(claw_merkle_root(leaves, old * CLAW_MERKLE_HASH_LEN, r1, &err), CLAW_OK);
    EXPECT_RC(claw_merkle_consistency_proof(leaves, sizeof leaves, old, proof, sizeof proof, &proof_len, &err), CLAW_OK);
    EXPECT_RC(claw_merkle_verify_consistency(old, 8, r1, root, proof, proof_len, &err), CLAW_OK);
    if (old < 8) {
      /* A power-of-two old size seeds the walk with the old root, so the new root mismatches. */
      int pow2 = (old & (old - 1)) == 0;
      EXPECT_ERR(claw_merkle_verify_consistency(old, 8, root, root, proof, proof_len, &err), CLAW_ERR_MERKLE,
                 pow2 ? "MERKLE_ROOT_MISMATCH" : "MERKLE_OLD_ROOT_MISMATCH", &err);
    }
  }

  /* Bad input. */
  uint8_t *l0 = leaves;
  EXPECT_ERR(claw_merkle_verify_inclusion(l0, 8, 8, proof, 96, root, &err), CLAW_ERR_MERKLE, "MERKLE_INDEX_OUT_OF_RANGE", &err);
  EXPECT_ERR(claw_merkle_verify_inclusion(l0, 0, 8, proof, 64, root, &err), CLAW_ERR_MERKLE, "MERKLE_PROOF_LENGTH", &err);
  EXPECT_ERR(claw_merkle_verify_inclusion(l0, 0, 8, proof, 95, root, &err), CLAW_ERR_INVALID_ARGUMENT, "MERKLE_HASH_LENGTH", &err);
  EXPECT_ERR(claw_merkle_verify_inclusion(NULL, 0, 8, proof, 96, root, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(claw_merkle_verify_inclusion(l0, 0, 8, NULL, 96, root, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(claw_merkle_verify_inclusion(l0, 0, 8, proof, 96, NULL, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(claw_merkle_verify_inclusion(l0, 0, 0, NULL, 0, root, &err), CLAW_ERR_MERKLE, "MERKLE_INDEX_OUT_OF_RANGE", &err);
  EXPECT_ERR(claw_merkle_verify_inclusion(l0, 0, 8, proof, (size_t)-1, root, &err), CLAW_ERR_INVALID_ARGUMENT, "INPUT_TOO_LARGE", &err);
  EXPECT_ERR(claw_merkle_verify_consistency(0, 8, root, root, NULL, 0, &err), CLAW_ERR_MERKLE, "MERKLE_SIZE_ZERO", &err);
  EXPECT_ERR(claw_merkle_verify_consistency(8, 4, root, root, NULL, 0, &err), CLAW_ERR_MERKLE, "MERKLE_INCONSISTENT_SIZES", &err);
  EXPECT_ERR(claw_merkle_verify_consistency(4, 8, NULL, root, NULL, 0, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(claw_merkle_inclusion_proof(leaves, sizeof leaves, 9, 0, proof, sizeof proof, &proof_len, &err), CLAW_ERR_MERKLE, "MERKLE_INDEX_OUT_OF_RANGE", &err);
  EXPECT_ERR(claw_merkle_inclusion_proof(leaves, sizeof leaves, 0, 9, proof, sizeof proof, &proof_len, &err), CLAW_ERR_MERKLE, "MERKLE_SIZE_OUT_OF_RANGE", &err);
  EXPECT_ERR(claw_merkle_inclusion_proof(leaves, sizeof leaves, 0, 0, proof, 10, &proof_len, &err), CLAW_ERR_INVALID_ARGUMENT, "BUFFER_TOO_SMALL", &err);
  EXPECT_ERR(claw_merkle_inclusion_proof(leaves, sizeof leaves, 0, 0, NULL, 0, &proof_len, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(claw_merkle_inclusion_proof(leaves, sizeof leaves, 0, 0, proof, sizeof proof, NULL, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(claw_merkle_inclusion_proof(NULL, 0, 0, 0, proof, sizeof proof, &proof_len, &err), CLAW_ERR_MERKLE, "MERKLE_INDEX_OUT_OF_RANGE", &err);
  EXPECT_ERR(claw_merkle_consistency_proof(leaves, sizeof leaves, 0, proof, sizeof proof, &proof_len, &err), CLAW_ERR_MERKLE, "MERKLE_SIZE_ZERO", &err);
  EXPECT_ERR(claw_merkle_consistency_proof(leaves, 33, 1, proof, sizeof proof, &proof_len, &err), CLAW_ERR_INVALID_ARGUMENT, "MERKLE_HASH_LENGTH", &err);
  EXPECT_ERR(claw_merkle_root(leaves, 31, root, &err), CLAW_ERR_INVALID_ARGUMENT, "MERKLE_HASH_LENGTH", &err);
  EXPECT_ERR(claw_merkle_root(leaves, sizeof leaves, NULL, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(claw_merkle_root(NULL, 32, root, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(claw_merkle_leaf_hash(NULL, 1, root, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(claw_merkle_leaf_hash(data, 1, NULL, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
}

static void test_clawlogs(void) {
  claw_error err;
  const char *golden =
      "{\"leaf_hash_b64u\":\"n95Ww3Z2C9OZuC64VpIpot_xkhlBGscRVN_qss9QJFQ\",\"leaf_index\":3,\"tree_size\":5,"
      "\"audit_path\":[\"ZJg33ct-GWcIbX01qu97l1xROBXZb8bnABXpOiv-D5o\",\"iw9WMQYHAEihBXkmggxxGN7CC4pzcVVE9FKEh8FtwNc\","
      "\"17co8mIcX0LM67kEB3j-Y7Mg-sgU-dul7LbCd3hcSx4\"],"
      "\"root_hash_b64u\":\"OtSr7F1Drgn1J1z3znfYYV4ehxZLJVqnZh4jexmCpb8\"}";
  EXPECT_RC(claw_merkle_clawlogs_verify_inclusion(golden, strlen(golden), &err), CLAW_OK);
  char *bad = malloc(strlen(golden) + 1);
  strcpy(bad, golden);
  bad[strlen("{\"leaf_hash_b64u\":\"")] = 'm'; /* another leaf */
  EXPECT_ERR(claw_merkle_clawlogs_verify_inclusion(bad, strlen(bad), &err), CLAW_ERR_MERKLE, "MERKLE_ROOT_MISMATCH", &err);
  strcpy(bad, golden);
  char *idx = strstr(bad, "\"leaf_index\":3");
  idx[13] = '9';
  EXPECT_ERR(claw_merkle_clawlogs_verify_inclusion(bad, strlen(bad), &err), CLAW_ERR_MERKLE, "MERKLE_INDEX_OUT_OF_RANGE", &err);
  free(bad);
  EXPECT_ERR(claw_merkle_clawlogs_verify_inclusion(golden, strlen(golden) - 1, &err), CLAW_ERR_JSON, "JSON_SYNTAX", &err);
  EXPECT_ERR(claw_merkle_clawlogs_verify_inclusion("{}", 2, &err), CLAW_ERR_MERKLE, "MALFORMED_PROOF", &err);
  const char *badb64 = "{\"leaf_hash_b64u\":\"n9+W\",\"leaf_index\":0,\"tree_size\":1,\"audit_path\":[],\"root_hash_b64u\":\"AA\"}";
  EXPECT_RC(claw_merkle_clawlogs_verify_inclusion(badb64, strlen(badb64), &err), CLAW_ERR_INPUT);
  EXPECT_ERR(claw_merkle_clawlogs_verify_inclusion("", 0, &err), CLAW_ERR_JSON, "JSON_SYNTAX", &err);
  EXPECT_ERR(claw_merkle_clawlogs_verify_inclusion(NULL, 4, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(claw_merkle_clawlogs_verify_inclusion("{\"\xff\":1}", 7, &err), CLAW_ERR_INVALID_UTF8, "INVALID_UTF8", &err);
}

int main(void) {
  test_rfc9162();
  test_clawlogs();
  return report();
}

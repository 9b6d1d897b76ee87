// Password hashing, tokens, digests and the server secret file.
#include "crypto.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <set>
#include <string>

#include "store_test_util.hpp"

namespace lectern::server {
namespace {

using test::store_dir;

bool is_base64url(std::string_view s) {
  return s.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
         std::string_view::npos;
}

TEST(Crypto, PasswordHashRoundTrip) {
  const auto encoded = hash_password("correct horse battery staple");
  EXPECT_TRUE(encoded.starts_with("$scrypt$ln=15,r=8,p=1$")) << encoded;
  // 16-byte salt and 32-byte key in unpadded base64: 22 and 43 characters.
  const auto salt_start = encoded.find('$', 9) + 1;
  const auto key_start = encoded.find('$', salt_start) + 1;
  EXPECT_EQ(key_start - salt_start - 1, 22u) << encoded;
  EXPECT_EQ(encoded.size() - key_start, 43u) << encoded;

  EXPECT_TRUE(verify_password("correct horse battery staple", encoded));
  EXPECT_FALSE(verify_password("correct horse battery stapler", encoded));
  EXPECT_FALSE(verify_password("", encoded));
  // A fresh salt every time: the same password never hashes the same.
  EXPECT_NE(hash_password("correct horse battery staple"), encoded);
}

TEST(Crypto, VerifyRejectsTamperedAndMalformedStrings) {
  const auto encoded = hash_password("pw");
  auto tampered = encoded;
  // Not the last character: its low bits may be padding a lenient decoder ignores.
  auto& c = tampered[tampered.size() - 5];
  c = c == 'A' ? 'Q' : 'A';
  EXPECT_FALSE(verify_password("pw", tampered));
  auto other_salt = encoded;
  other_salt[encoded.find('$', 9) + 1] ^= 1;
  EXPECT_FALSE(verify_password("pw", other_salt));

  for (const std::string bad :
       {"", "pw", "$scrypt$", "$scrypt$ln=15,r=8,p=1$", "$scrypt$ln=15,r=8,p=1$abc$",
        "$bcrypt$ln=15,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "$scrypt$ln=99,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "$scrypt$ln=15,r=0,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "$scrypt$r=8,ln=15,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "$scrypt$ln=15,r=8,p=1$AAAA*AAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "$scrypt$ln=15,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAA"}) {
    EXPECT_FALSE(verify_password("pw", bad)) << bad;
  }
}

TEST(Crypto, VerifyReadsTheParametersFromTheString) {
  // A hash made with other parameters still verifies: the cost can be raised later. This one
  // is scrypt("pw", salt = 16 zero bytes, N=2^4, r=1, p=1, 32 bytes), computed independently
  // with Python's hashlib.scrypt.
  const std::string low_cost =
      "$scrypt$ln=4,r=1,p=1$AAAAAAAAAAAAAAAAAAAAAA$"
      "q1P7YQyC4zImM+zGRbQaFFM1ALs/Zvoy2Y+bS/ncSCc";
  EXPECT_TRUE(verify_password("pw", low_cost));
  EXPECT_FALSE(verify_password("pw",
                               "$scrypt$ln=5,r=1,p=1$AAAAAAAAAAAAAAAAAAAAAA$"
                               "q1P7YQyC4zImM+zGRbQaFFM1ALs/Zvoy2Y+bS/ncSCc"));
}

TEST(Crypto, RandomTokensAreBase64urlOfTheRightLength) {
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    const auto t = random_token();
    EXPECT_EQ(t.size(), 43u);
    EXPECT_TRUE(is_base64url(t)) << t;
    seen.insert(t);
  }
  EXPECT_EQ(seen.size(), 50u);
  EXPECT_EQ(random_token(16).size(), 22u);
  EXPECT_EQ(random_token(0), "");
}

TEST(Crypto, DigestsMatchKnownVectors) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // RFC 4231 test case 2.
  EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(hmac_sha256("Jefe", "what do ya want for nothing?").size(), 32u);
  // RFC 4648 section 10 vectors, unpadded, and the two url-safe characters.
  EXPECT_EQ(base64url_encode(""), "");
  EXPECT_EQ(base64url_encode("f"), "Zg");
  EXPECT_EQ(base64url_encode("fo"), "Zm8");
  EXPECT_EQ(base64url_encode("foo"), "Zm9v");
  EXPECT_EQ(base64url_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
}

TEST(Crypto, ConstantTimeEqual) {
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_TRUE(constant_time_equal("token", "token"));
  EXPECT_FALSE(constant_time_equal("token", "tokeN"));
  EXPECT_FALSE(constant_time_equal("token", "token2"));
}

TEST(Crypto, RoomTokensAreDeterministicAndDistinct) {
  const std::string secret(32, 'k');
  const auto t = derive_room_token(secret, 7, "teacher", "nonce1");
  EXPECT_EQ(t.size(), 43u);
  EXPECT_TRUE(is_base64url(t));
  EXPECT_EQ(derive_room_token(secret, 7, "teacher", "nonce1"), t);
  EXPECT_NE(derive_room_token(secret, 7, "student", "nonce1"), t);
  EXPECT_NE(derive_room_token(secret, 7, "teacher", "nonce2"), t);
  EXPECT_NE(derive_room_token(secret, 8, "teacher", "nonce1"), t);
  EXPECT_NE(derive_room_token(std::string(32, 'j'), 7, "teacher", "nonce1"), t);
  // The documented construction, so other tools can derive the same links.
  EXPECT_EQ(t, base64url_encode(hmac_sha256(secret, "lectern-room-token\n7\nteacher\nnonce1")));
}

TEST(Crypto, SecretFileIsCreatedPrivateAndStable) {
  store_dir dir;
  const auto file = dir.path() / "keys" / "secret";
  const auto first = load_or_create_secret(file);
  EXPECT_EQ(first.size(), 32u);
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(load_or_create_secret(file), first);
  EXPECT_EQ(std::filesystem::file_size(file), 32u);
  // No temporary file left behind.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(file.parent_path()),
                          std::filesystem::directory_iterator()),
            1);
  EXPECT_NE(load_or_create_secret(dir.path() / "other"), first);
}

TEST(Crypto, SecretFileOfTheWrongSizeIsAnError) {
  store_dir dir;
  const auto file = dir.path() / "secret";
  std::ofstream(file) << "short";
  try {
    load_or_create_secret(file);
    FAIL() << "accepted a 5-byte secret";
  } catch (const crypto_error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find(file.string()), std::string::npos) << m;
    EXPECT_NE(m.find("has 5 bytes, expected 32"), std::string::npos) << m;
  }
  std::ofstream(file, std::ios::trunc) << std::string(64, 'x');
  EXPECT_THROW(load_or_create_secret(file), crypto_error);
  std::filesystem::remove(file);
  std::filesystem::create_directory(file);  // a directory where the file should be
  EXPECT_THROW(load_or_create_secret(file), crypto_error);
}

}  // namespace
}  // namespace lectern::server

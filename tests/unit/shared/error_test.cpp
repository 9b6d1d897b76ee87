#include "lectern/shared/error.hpp"

#include <gtest/gtest.h>

namespace lectern::shared {

TEST(shared_error, codes_carry_category_and_readable_message) {
  std::error_code ec = error::chunk_message_too_large;
  EXPECT_EQ(ec.category().name(), std::string("lectern.shared"));
  EXPECT_EQ(ec.message(), "chunk stream: message larger than the limit");
  EXPECT_TRUE(ec == error::chunk_message_too_large);
  EXPECT_FALSE(ec == error::truncated);
}

}  // namespace lectern::shared

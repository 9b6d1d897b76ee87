#include "bench_error.hpp"

#include <string>

namespace lectern::bench {

namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "lectern.bench"; }
  std::string message(int v) const override {
    switch (static_cast<bench_error>(v)) {
      case bench_error::connect_rejected:
        return "connect rejected";
      case bench_error::create_stream_failed:
        return "createStream failed";
      case bench_error::publish_refused:
        return "publish refused";
      case bench_error::play_refused:
        return "play refused";
      case bench_error::closed_by_server:
        return "the server closed the connection";
      case bench_error::stopped:
        return "the run ended before this step finished";
    }
    return "unknown lectern.bench error";
  }
};

}  // namespace

const std::error_category& bench_category() noexcept {
  static const category c;
  return c;
}

}  // namespace lectern::bench

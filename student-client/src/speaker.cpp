// speaker: not available until the teacher client's capture/encode/publish pipeline is in
// lectern_media (issue 5); a grant is then reported as not possible.
#include "speaker.hpp"

namespace lectern::student {

std::unique_ptr<speaker> speaker::start(const options&, const std::string&, preview_fn, event_fn,
                                        std::string& error) {
  error = "this build cannot publish yet (the capture and publish pipeline is not built)";
  return nullptr;
}

}  // namespace lectern::student

// The front-coded labels (config/include/srcbind/label_pool.hpp): what goes in
// comes out, in every position of a block, and damaged bytes give an empty or
// wrong label, never a read outside the pool (the ASan build checks that).
#include "srcbind/label_pool.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace srcbind::test {
namespace {

struct Pool {
  explicit Pool(const std::vector<std::string>& labels) : data(std::pmr::get_default_resource()) {
    LabelPoolWriter writer(data);
    for (const std::string& label : labels) writer.add(label);
    writer.finish();
    pool = *LabelPool::view(data.blocks, data.bytes, labels.size());
  }
  LabelPoolData data;
  LabelPool pool;
};

std::string expected(const std::string& label) { return label.substr(0, LabelBuffer::kMaxLabel); }

TEST(LabelPool, EveryLabelComesBackAsItWent) {
  std::mt19937 random(5);
  std::vector<std::string> labels;
  for (int i = 0; i < 1000; ++i) labels.push_back("customer-" + std::to_string(i));
  labels.push_back("");   // unnamed rules
  labels.push_back("");
  labels.push_back(std::string(300, 'a'));                   // longer than kMaxLabel
  labels.push_back(std::string(300, 'a') + "b");             // shares more than 255 bytes
  labels.push_back(std::string(255, 'a') + "c");
  labels.push_back("x");
  for (int i = 0; i < 500; ++i) {
    std::string label(random() % 40, 'x');
    for (char& c : label) c = static_cast<char>('a' + random() % 3);   // long shared prefixes
    labels.push_back(label);
  }
  labels.push_back(std::string(200, 'z'));   // a length of two LEB128 bytes
  const Pool p(labels);
  LabelBuffer buffer;
  for (std::size_t i = 0; i < labels.size(); ++i) ASSERT_EQ(p.pool.get(i, buffer), expected(labels[i])) << i;
  EXPECT_EQ(p.pool.get(labels.size(), buffer), "");
}

TEST(LabelPool, NumberedNamesTakeAFewBytesEach) {
  std::vector<std::string> labels;
  std::size_t plain = 0;
  for (int i = 0; i < 100000; ++i) {
    labels.push_back("customer-" + std::to_string(i));
    plain += labels.back().size();
  }
  const Pool p(labels);
  const std::size_t coded = p.data.bytes.size() + p.data.blocks.size() * sizeof(std::uint32_t);
  RecordProperty("bytes_per_label", static_cast<int>(coded / labels.size()));
  EXPECT_LT(coded * 3, plain) << "front coding keeps a third of " << plain;
}

TEST(LabelPool, AViewRefusesBlocksThatDoNotFit) {
  const std::vector<std::string> labels(40, "rule");
  const Pool p(labels);
  const std::vector<std::uint32_t> blocks(p.data.blocks.begin(), p.data.blocks.end());
  EXPECT_TRUE(LabelPool::view(blocks, p.data.bytes, 40));
  EXPECT_TRUE(LabelPool::view({}, {}, 0)) << "no labels written";
  EXPECT_FALSE(LabelPool::view({}, {}, 1));
  EXPECT_FALSE(LabelPool::view(blocks, p.data.bytes, 49)) << "a block short";
  EXPECT_FALSE(LabelPool::view(blocks, p.data.bytes, 32)) << "a block too many";
  EXPECT_FALSE(LabelPool::view(blocks, std::string_view(p.data.bytes).substr(1), 40));
  auto unsorted = blocks;
  std::swap(unsorted[1], unsorted[2]);
  EXPECT_FALSE(LabelPool::view(unsorted, p.data.bytes, 40));
  auto first = blocks;
  first[0] = 1;
  EXPECT_FALSE(LabelPool::view(first, p.data.bytes, 40));
}

TEST(LabelPool, DamagedBytesDecodeInsideThePool) {
  std::mt19937 random(11);
  std::vector<std::string> labels;
  for (int i = 0; i < 64; ++i) labels.push_back("host-" + std::to_string(i * 7919));
  const Pool p(labels);
  int empty = 0;
  for (int iteration = 0; iteration < 2000; ++iteration) {
    std::string bytes(p.data.bytes);
    for (int flips = 1 + static_cast<int>(random() % 3); flips > 0; --flips) {
      bytes[random() % bytes.size()] = static_cast<char>(random());
    }
    const std::optional<LabelPool> pool = LabelPool::view(p.data.blocks, bytes, labels.size());
    ASSERT_TRUE(pool);   // the block offsets are intact
    LabelBuffer buffer;
    for (std::size_t i = 0; i < labels.size(); ++i) {
      const std::string_view label = pool->get(i, buffer);
      EXPECT_LE(label.size(), LabelBuffer::kMaxLabel);
      empty += label.empty();
    }
  }
  EXPECT_GT(empty, 0) << "some damage is caught";
}

}  // namespace
}  // namespace srcbind::test

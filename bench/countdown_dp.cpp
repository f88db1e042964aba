// Countdown numbers game: the values of every subset of the numbers, positive whole
// numbers only (+, x, the positive difference, exact division), by dynamic programming
// over subsets; prints, for each game, the reachable value closest to the target and its
// distance (0: solved). Compiled at bench time by bench_solver.py (g++ -O2); never
// committed as a binary.
//
// input, one game a line:  6 100 75 50 25 6 3 952   (count, numbers, target)
// output, one line a game: 952 0                    (closest value, distance)
#include <algorithm>
#include <cstdio>
#include <vector>

typedef long long ll;

int main() {
    int n;
    while (std::scanf("%d", &n) == 1) {
        std::vector<ll> a(n);
        for (ll &x : a) std::scanf("%lld", &x);
        ll target;
        std::scanf("%lld", &target);
        int full = (1 << n) - 1;
        std::vector<std::vector<ll>> values(full + 1);
        ll best = -1, best_distance = 1LL << 62;
        for (int mask = 1; mask <= full; mask++) {
            std::vector<ll> &out = values[mask];
            if (__builtin_popcount(mask) == 1) {
                out.push_back(a[__builtin_ctz(mask)]);
            } else {
                for (int sub = (mask - 1) & mask; sub > 0; sub = (sub - 1) & mask) {
                    int rest = mask ^ sub;
                    if (sub > rest) continue;  // each split once
                    for (ll x : values[sub])
                        for (ll y : values[rest]) {
                            out.push_back(x + y);
                            out.push_back(x * y);
                            if (x > y) out.push_back(x - y);
                            else if (y > x) out.push_back(y - x);
                            if (x % y == 0) out.push_back(x / y);
                            if (y % x == 0) out.push_back(y / x);
                        }
                }
                std::sort(out.begin(), out.end());
                out.erase(std::unique(out.begin(), out.end()), out.end());
            }
            for (ll x : out) {
                ll d = x > target ? x - target : target - x;
                if (d < best_distance) best_distance = d, best = x;
            }
        }
        std::printf("%lld %lld\n", best, best_distance);
    }
    return 0;
}

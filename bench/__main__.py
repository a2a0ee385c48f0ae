"""`python -m bench`: every benchmark, one after the other (about 82 minutes on 2 cores, of
which the last hour is the soak). The profile and the what-if measurements of the throughput
journey are run apart (`python -m bench.profile_throughput`, `python -m bench.what_if`)."""

from __future__ import annotations

import asyncio

from bench import certificate_issuing, delivery, programme, signup, soak, stats, throughput


async def main() -> None:
    for name, module in (
        ("programme", programme),
        ("signup", signup),
        ("delivery", delivery),
        ("stats", stats),
        ("certificate_issuing", certificate_issuing),
    ):
        print(f"\n== bench.{name} ==", flush=True)
        await module.main()
    print("\n== bench.throughput ==", flush=True)
    await throughput.compare(throughput.USERS, throughput.ROUNDS)
    print("\n== bench.soak ==", flush=True)
    await soak.soak(minutes=60, participants=24)


if __name__ == "__main__":
    asyncio.run(main())

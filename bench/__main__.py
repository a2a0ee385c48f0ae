"""`python -m bench`: every benchmark, one after the other (about 15 minutes on 2 cores)."""

from __future__ import annotations

import asyncio

from bench import delivery, programme, signup, stats


async def main() -> None:
    for name, module in (
        ("programme", programme),
        ("signup", signup),
        ("delivery", delivery),
        ("stats", stats),
    ):
        print(f"\n== bench.{name} ==", flush=True)
        await module.main()


if __name__ == "__main__":
    asyncio.run(main())

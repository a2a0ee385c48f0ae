"""Tools for trying and testing the bot without Telegram: the Bot API emulator (in-process and
over HTTP), the terminal demo and its sample programme. The running bot never imports them."""

"""Card Adapter: charges cards through the payment gateway and credits wallets via the Bank, exactly once."""

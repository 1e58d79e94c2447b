#!lua name=bank
--[[
bank.lua -- coffer's finance example as strongbox functions.

Accounts are keys whose values are decimal integer strings (a missing key
is a balance of 0). Every function checks everything before it writes, and
strongbox runs each call atomically: a call that fails leaves no trace.

  FCALL deposit  1 account amount        -> new balance
  FCALL debit    1 account amount        -> new balance (error if short)
  FCALL transfer 2 from to amount        -> {from balance, to balance}
  FCALL exchange 2 a b                   -> OK (the two records swap values)
  FCALL_RO balance 1 account             -> balance
  FCALL_RO total   N account...          -> sum of the balances
]]

-- The same code loads in strongbox (Lua 5.4, integers) and in Redis 7
-- (Lua 5.1, where numbers are doubles and the load-time globals have no
-- math), so `strongbox-check export` can move a dataset with it to Redis.
-- Balances are limited to MAX, 10^18 - 1; on Redis they are exact up to
-- 2^53.
local MAX = 999999999999999999

-- An amount argument: a decimal integer >= 0 (as text, no sign, no spaces).
local function amount(s)
  if type(s) ~= 'string' or not s:match('^%d+$') or #s > 18 then return nil end
  return tonumber(s)
end

-- The balance of an account: 0 when missing; nil if the value is not one.
local function balance_of(key)
  local v = redis.call('GET', key)
  if not v then return 0 end
  local neg = v:sub(1, 1) == '-'
  local n = amount(neg and v:sub(2) or v)
  if n == nil then return nil end
  return neg and -n or n
end

local function bad_amount()
  return redis.error_reply('ERR amount must be a non-negative integer')
end

local function bad_balance(key)
  return redis.error_reply('ERR account ' .. key .. ' does not hold an integer balance')
end

local function deposit(keys, args)
  if #keys ~= 1 or #args ~= 1 then return redis.error_reply('ERR usage: FCALL deposit 1 account amount') end
  local n = amount(args[1])
  if n == nil then return bad_amount() end
  local b = balance_of(keys[1])
  if b == nil then return bad_balance(keys[1]) end
  if b > MAX - n then return redis.error_reply('ERR balance overflow') end
  redis.call('SET', keys[1], b + n)
  return b + n
end

local function debit(keys, args)
  if #keys ~= 1 or #args ~= 1 then return redis.error_reply('ERR usage: FCALL debit 1 account amount') end
  local n = amount(args[1])
  if n == nil then return bad_amount() end
  local b = balance_of(keys[1])
  if b == nil then return bad_balance(keys[1]) end
  if b < n then return redis.error_reply('ERR insufficient funds') end
  redis.call('SET', keys[1], b - n)
  return b - n
end

local function transfer(keys, args)
  if #keys ~= 2 or #args ~= 1 then return redis.error_reply('ERR usage: FCALL transfer 2 from to amount') end
  local n = amount(args[1])
  if n == nil then return bad_amount() end
  if keys[1] == keys[2] then return redis.error_reply('ERR cannot transfer to the same account') end
  local from, to = balance_of(keys[1]), balance_of(keys[2])
  if from == nil then return bad_balance(keys[1]) end
  if to == nil then return bad_balance(keys[2]) end
  if from < n then return redis.error_reply('ERR insufficient funds') end
  if to > MAX - n then return redis.error_reply('ERR balance overflow') end
  redis.call('SET', keys[1], from - n)
  redis.call('SET', keys[2], to + n)
  return {from - n, to + n}
end

local function exchange(keys, args)
  if #keys ~= 2 or #args ~= 0 then return redis.error_reply('ERR usage: FCALL exchange 2 a b') end
  local a, b = redis.call('GET', keys[1]), redis.call('GET', keys[2])
  if b then redis.call('SET', keys[1], b) else redis.call('DEL', keys[1]) end
  if a then redis.call('SET', keys[2], a) else redis.call('DEL', keys[2]) end
  return redis.status_reply('OK')
end

local function balance(keys, args)
  if #keys ~= 1 then return redis.error_reply('ERR usage: FCALL_RO balance 1 account') end
  local b = balance_of(keys[1])
  if b == nil then return bad_balance(keys[1]) end
  return b
end

local function total(keys, args)
  local sum = 0
  for _, k in ipairs(keys) do
    local b = balance_of(k)
    if b == nil then return bad_balance(k) end
    sum = sum + b
  end
  return sum
end

redis.register_function('deposit', deposit)
redis.register_function('debit', debit)
redis.register_function('transfer', transfer)
redis.register_function('exchange', exchange)
redis.register_function{function_name = 'balance', callback = balance, flags = {'no-writes'}}
redis.register_function{function_name = 'total', callback = total, flags = {'no-writes'}}

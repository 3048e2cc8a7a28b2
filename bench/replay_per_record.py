#!/usr/bin/env python3
"""The straightforward stream replay users write today (often as a Lambda function), run as a
plain script so it can be timed beside `ddbmigrate replicate`: read every shard of the source's
stream from TRIM_HORIZON with boto3, and apply each record with one unconditional write, a
PutItem of the new image for INSERT and MODIFY, a DeleteItem of the keys for REMOVE. No batching,
no checkpoint, no ordering across shard splits. Stops when every shard returns an empty page.

Written for this benchmark. Environment: DDB_EP (endpoint), SRC, DST.
"""

import os
import sys

import boto3


def main():
    endpoint, src, dst = os.environ["DDB_EP"], os.environ["SRC"], os.environ["DST"]
    kwargs = dict(endpoint_url=endpoint, region_name=os.environ.get("AWS_DEFAULT_REGION",
                                                                    "us-east-1"))
    ddb = boto3.client("dynamodb", **kwargs)
    streams = boto3.client("dynamodbstreams", **kwargs)
    arn = ddb.describe_table(TableName=src)["Table"]["LatestStreamArn"]
    shards = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    applied = 0
    for shard in shards:
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while iterator:
            page = streams.get_records(ShardIterator=iterator, Limit=1000)
            for record in page["Records"]:
                change = record["dynamodb"]
                if record["eventName"] == "REMOVE":
                    ddb.delete_item(TableName=dst, Key=change["Keys"])
                else:
                    ddb.put_item(TableName=dst, Item=change["NewImage"])
                applied += 1
            if not page["Records"]:
                break
            iterator = page.get("NextShardIterator")
    print(applied)
    return 0


if __name__ == "__main__":
    sys.exit(main())
